"""Move the trail written so far into the new form, after checking it as it was chained.

Each event's actor e-mail address and client address become its "actor" personal row; a label or data
values naming a person (the keys the services now mark personal) its "subject" row; every event gets a
chain link (a leaf over its immutable fields and its rows' commitments), in id order. A trail whose old
chain does not verify is not converted: the migration stops and names the event (run the previous
release's ``verify_audit`` and look into it first). On PostgreSQL the events that lose a personal label or
value are rewritten with the append-only trigger off, inside this migration's transaction.

Afterwards the dropped columns' old values remain in the table's pages until it is rewritten: run
``VACUUM FULL audit_auditevent`` once to remove them physically.
"""

import hashlib
import io
import json
import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from audit.hashing import GENESIS, canonical_json, commitment, leaf_hash, link_hash

# Data keys the services mark personal (audit.personal), by action: their values move to the subject row.
PERSONAL_KEYS = {
    "token.revoked": ("owner",),
    "user.created": ("values",),
    "user.changed": ("values",),
    "user.email_changed": ("from", "to"),
    "membership.set": ("user",),
    "membership.removed": ("user",),
    "channel.member_offboarded": ("user",),
    "channel.rotation_opened": ("departed",),
    "channel.rotation_done": ("departed",),
    "channel.member_mfa_confirmed": ("user",),
    "access.granted": ("requester",),
    "access.refused": ("requester",),
    "access.granted_role": ("user",),
    "access.revoked": ("user",),
    "access.recertified": ("user",),
}
# Targets whose label names a person: (model, the attribute holding that person's id).
SUBJECT_OF = {
    "accounts.membership": ("accounts", "Membership", "user_id"),
    "accounts.apitoken": ("accounts", "ApiToken", "user_id"),
    "channels_registry.channelmembership": ("channels_registry", "ChannelMembership", "user_id"),
    "channels_registry.accessrequest": ("channels_registry", "AccessRequest", "requester_id"),
    "channels_registry.accessgrant": ("channels_registry", "AccessGrant", "user_id"),
    "channels_registry.rotationtask": ("channels_registry", "RotationTask", "departed_user_id"),
    "approvals.delegation": ("approvals", "Delegation", "delegator_id"),
    "approvals.decision": ("approvals", "Decision", "reviewer_id"),
    "approvals.comment": ("approvals", "Comment", "author_id"),
}
LEGACY_COLUMNS = (
    "id, created_at, actor_id, actor_label, action, target_type, target_id, target_text, data, request_id, ip, "
    "prev_hash, hash"
)


def _stamp(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _v1_hash(prev_hash, created_at, actor_id, actor_label, action, target_type, target_id, label, data, rid, ip):
    body = canonical_json(
        {
            "created_at": created_at.isoformat(),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "target_label": label,
            "data": data,
            "request_id": rid,
            "ip": ip,
        }
    )
    return hashlib.sha256((prev_hash + "\n" + body).encode()).hexdigest()


_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy(cursor, table, columns, rows):
    text = "".join(
        "\t".join("\\N" if v is None else str(v).translate(_ESC) for v in row) + "\n" for row in rows
    )
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text))


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    Event = apps.get_model("audit", "AuditEvent")
    if not Event.objects.exists():
        return
    pg = conn.vendor == "postgresql"
    q = conn.ops.quote_name
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    by_email = {email.lower(): pk for pk, email in User.objects.values_list("pk", "email")}
    subjects = {}
    for target_type, (app, model, attr) in SUBJECT_OF.items():
        if Event.objects.filter(target_type=target_type).exists():
            rows = apps.get_model(app, model).objects.values_list("pk", attr)
            subjects[target_type] = {str(pk): person for pk, person in rows}
    personal_cols = ("event_id", "ref", "person_id", "salt", "commitment", "label", "ip", "data")
    link_cols = ("position", "event_id", "leaf", "prev_hash", "hash", "sequenced_at")
    now = timezone.now()
    personal, links, updates = [], [], []

    def flush(cursor):
        if pg:
            _copy(cursor, q("audit_auditpersonal"), personal_cols, personal)
            _copy(cursor, q("audit_chainlink"), link_cols, links)
        else:
            marks = lambda n: ", ".join(["%s"] * n)  # noqa: E731
            cursor.executemany(
                f"INSERT INTO audit_auditpersonal ({', '.join(personal_cols)}) VALUES ({marks(len(personal_cols))})",
                personal,
            )
            cursor.executemany(
                f"INSERT INTO audit_chainlink ({', '.join(link_cols)}) VALUES ({marks(len(link_cols))})",
                [(*r[:5], conn.ops.adapt_datetimefield_value(r[5])) for r in links],
            )
        if updates:
            cursor.executemany("UPDATE audit_auditevent SET target_text = %s, data = %s WHERE id = %s", updates)
        personal.clear(), links.clear(), updates.clear()

    writer = conn.cursor()
    if pg:
        writer.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
    reader = conn.chunked_cursor() if pg else conn.cursor()
    reader.execute(f"SELECT {LEGACY_COLUMNS} FROM {q('audit_auditevent')} ORDER BY id")  # noqa: S608
    prev_v1, prev, position = GENESIS, GENESIS, 0
    while batch := reader.fetchmany(20_000):
        for pk, created_at, actor_id, actor_label, action, ttype, tid, label, data, rid, ip, v1_prev, v1 in batch:
            created_at = _stamp(created_at)
            data = json.loads(data) if isinstance(data, str | bytes) else data
            if v1_prev != prev_v1 or v1 != _v1_hash(
                prev_v1, created_at, actor_id, actor_label, action, ttype, tid, label, data, rid, ip
            ):
                raise RuntimeError(
                    f"The audit trail does not verify at event #{pk}: not converted. Look into it first "
                    "(the previous release's manage.py verify_audit names the first broken event)."
                )
            prev_v1 = v1
            rows = {}
            if actor_id is not None or ip:
                rows["actor"] = (actor_id, actor_label if actor_id is not None else "", ip, {})
            plain = dict(data)
            marked = {k: plain.pop(k) for k in PERSONAL_KEYS.get(action, ()) if k in plain}
            if action == "channel.registered" and isinstance(plain.get("custodians"), list):
                plain["custodians"] = [by_email.get(str(e).lower(), e) for e in plain["custodians"]]
            if ttype == "accounts.user" and tid.isdigit():
                subject = int(tid)
            else:
                subject = subjects.get(ttype, {}).get(tid)
            if subject is None and marked:
                first = next(iter(marked.values()))
                subject = by_email.get(first.lower()) if isinstance(first, str) else None
            text = label
            if subject is not None or marked:
                rows["subject"] = (subject, label if subject is not None else "", None, marked)
                text = "" if subject is not None else label
            if text != label or plain != data:
                updates.append((text, json.dumps(plain), pk))
            commitments = {}
            for ref, (person, row_label, row_ip, row_data) in rows.items():
                salt = secrets.token_hex(16)
                commitments[ref] = value = commitment(salt, row_label, row_ip, row_data)
                personal.append((pk, ref, person, salt, value, row_label, row_ip, json.dumps(row_data)))
            leaf = leaf_hash(pk, created_at, actor_id, action, ttype, tid, text, plain, rid, commitments)
            position += 1
            digest = link_hash(prev, position, leaf)
            links.append((position, pk, leaf, prev, digest, now))
            prev = digest
        flush(writer)
    reader.close()
    if pg:
        writer.execute("SET CONSTRAINTS ALL IMMEDIATE")
        writer.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        # millions of rows the planner knows nothing of yet: without statistics the sequencer's lookups scan
        writer.execute("ANALYZE audit_auditevent, audit_auditpersonal, audit_chainlink")
    writer.close()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_sequencer_personal_checkpoints"),
        ("accounts", "0002_role_groups"),
        ("approvals", "0004_merge_queue_and_report_indexes"),
        ("channels_registry", "0003_default_schedules"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
