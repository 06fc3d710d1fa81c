"""Signed checkpoints outside the database catch what the chain alone cannot: a cut tail, a rewrite, a forgery."""

import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit import services as audit
from audit import signing
from audit.checkpoints import checkpoint_create, verify_checkpoints
from audit.hashing import GENESIS, leaf_hash, link_hash
from audit.models import AuditCheckpoint, ChainLink

pytestmark = pytest.mark.django_db

KEY = signing.generate_pem()


@pytest.fixture(autouse=True)
def signing_key(settings, tmp_path):
    settings.AUDIT_SIGNING_KEY = KEY
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


def events(actor, n):
    for i in range(n):
        audit.record(actor=actor, action="test.happened", target=actor, data={"n": i})
    audit.sequence()


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement, params)


def behind_the_triggers(*statements):
    """Run SQL as someone with database access would: the append-only triggers off (PostgreSQL)."""
    tables = ("audit_auditevent", "audit_chainlink", "audit_auditpersonal")
    if connection.vendor == "postgresql":
        for t in tables:
            _sql(f"ALTER TABLE {t} DISABLE TRIGGER USER")
    for statement, params in statements:
        _sql(statement, params)
    if connection.vendor == "postgresql":
        for t in tables:
            _sql(f"ALTER TABLE {t} ENABLE TRIGGER USER")


def verify_audit(directory):
    out = io.StringIO()
    call_command("verify_audit", "--checkpoints", str(directory), "--workers", "1", stdout=out)
    return out.getvalue()


def test_a_checkpoint_is_signed_written_once_and_names_the_one_before(employee, signing_key):
    # given a trail with a checkpoint
    events(employee, 3)
    first = checkpoint_create()

    # when more happens and another is taken
    events(employee, 2)
    second = checkpoint_create()

    # then each file holds the signed head; the second names the first's digest and counts what came since
    doc = json.loads((signing_key / second.file_name).read_text())
    body = doc["checkpoint"]
    assert (body["position"], body["count"], body["previous"]) == (5, 2, first.digest)
    assert body["head_hash"] == ChainLink.objects.get(position=5).hash
    assert body["key_id"] == signing.key_id()
    assert signing.verify(second.document.encode(), doc["signature"])
    assert sorted(p.name for p in signing_key.iterdir()) == sorted([first.file_name, second.file_name])
    assert "2 checkpoint(s) verified" in verify_audit(signing_key)


def test_checkpoints_go_to_auditors_and_webhooks(employee, auditor):
    # given a webhook endpoint for checkpoints
    from notifications.models import Notification, WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(name="auditors' archive", url="https://archive.example.com/hook", events=["audit.*"])
    events(employee, 1)

    # when a checkpoint is taken
    checkpoint = checkpoint_create()

    # then the auditor is told (in-app and e-mail through the outbox) and the webhook gets the signed document
    note = Notification.objects.get(recipient=auditor, event="audit.checkpoint")
    assert note.payload["checkpoint"]["head_hash"] == checkpoint.head_hash
    delivery = WebhookDelivery.objects.get(event="audit.checkpoint")
    assert delivery.payload["data"]["signature"] == checkpoint.signature
    assert delivery.payload["data"]["file"] == checkpoint.file_name


def test_a_truncated_tail_is_reported(employee, signing_key):
    # given a checkpoint over five events
    events(employee, 5)
    checkpoint_create()
    newest = list(ChainLink.objects.order_by("-position").values_list("event_id", flat=True)[:2])

    # when the two newest events are deleted behind the triggers (their links and rows with them)
    marks = ", ".join(["%s"] * len(newest))
    behind_the_triggers(
        (f"DELETE FROM audit_chainlink WHERE event_id IN ({marks})", newest),
        (f"DELETE FROM audit_auditpersonal WHERE event_id IN ({marks})", newest),
        (f"DELETE FROM audit_auditevent WHERE id IN ({marks})", newest),
    )

    # then the chain alone still verifies, and the checkpoint names the missing tail
    assert audit.verify_chain().broken is None
    report = verify_checkpoints(signing_key)
    assert (report.truncated_after, report.missing) == (3, 2)
    with pytest.raises(CommandError, match=r"2 event\(s\) missing after position 3 \(a truncated tail\)"):
        verify_audit(signing_key)


def test_a_chain_rewritten_consistently_is_reported(employee, signing_key):
    # given a checkpoint over four events
    events(employee, 4)
    checkpoint = checkpoint_create()

    # when someone edits the second event and re-hashes every link from there on, consistently
    second = ChainLink.objects.get(position=2).event_id
    behind_the_triggers(("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [second]))
    prev = ChainLink.objects.get(position=1).hash
    from audit.selectors import trail

    for link in ChainLink.objects.filter(position__gte=2).order_by("position"):
        e = trail().get(pk=link.event_id)
        commitments = dict(e.personal.values_list("ref", "commitment"))
        leaf = leaf_hash(
            e.pk, e.created_at, e.actor_id, e.action, e.target_type, e.target_id, e.target_text, e.data,
            e.request_id, commitments,
        )  # fmt: skip
        digest = link_hash(prev, link.position, leaf)
        behind_the_triggers(
            (
                "UPDATE audit_chainlink SET leaf = %s, prev_hash = %s, hash = %s WHERE position = %s",
                [leaf, prev, digest, link.position],
            )
        )
        prev = digest

    # then the chain verifies on its own, but not against the checkpoint
    assert audit.verify_chain().broken is None
    report = verify_checkpoints(signing_key)
    assert report.problems == [
        f"{checkpoint.file_name}: the chain was rewritten: at position 4 its hash is {prev}, "
        f"the checkpoint signed {checkpoint.head_hash}"
    ]


TRAIL = ("audit_auditevent", "audit_auditpersonal", "audit_chainlink", "audit_auditcheckpoint")


def test_a_dump_restored_from_yesterday_is_missing_its_tail(employee, signing_key):
    # given yesterday's dump of the trail (a copy of its tables), taken after yesterday's checkpoint
    from audit.models import AuditEvent

    events(employee, 3)
    checkpoint_create()
    for table in TRAIL:
        _sql(f"CREATE TEMPORARY TABLE yesterday_{table} AS SELECT * FROM {table}")
    yesterday = AuditEvent.objects.count()

    # and today's events, in today's checkpoint
    events(employee, 4)
    today = checkpoint_create()

    # when the database is restored from yesterday's dump (the checkpoint files live elsewhere)
    behind_the_triggers(*[(f"DELETE FROM {table}", []) for table in ("audit_chainlink", "audit_auditpersonal")])
    if connection.vendor == "postgresql":
        _sql("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
    behind_the_triggers(("DELETE FROM audit_auditevent", []), ("DELETE FROM audit_auditcheckpoint", []))
    for table in TRAIL:
        _sql(f"INSERT INTO {table} SELECT * FROM yesterday_{table}")
    if connection.vendor == "postgresql":
        _sql("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")
    assert AuditEvent.objects.count() == yesterday

    # then the restored trail verifies on its own, and today's checkpoint names the four events it lacks
    assert audit.verify_chain().broken is None
    with pytest.raises(CommandError, match=rf"{today.file_name}: 4 event\(s\) missing after position 3"):
        verify_audit(signing_key)


def test_forged_and_unsigned_checkpoints_are_named_by_file(employee, signing_key):
    # given a genuine checkpoint
    events(employee, 2)
    genuine = checkpoint_create()
    doc = json.loads((signing_key / genuine.file_name).read_text())

    # when someone writes one claiming a longer chain, signed with another key, and one without a signature
    other = signing.load_private_key(signing.generate_pem().encode())
    forged_body = {**doc["checkpoint"], "position": 9, "previous": genuine.digest}
    from audit.hashing import canonical_json

    forged_sig = __import__("base64").b64encode(other.sign(canonical_json(forged_body).encode())).decode()
    (signing_key / "checkpoint-forged.json").write_text(
        json.dumps({"checkpoint": forged_body, "signature": forged_sig})
    )
    (signing_key / "checkpoint-unsigned.json").write_text(json.dumps({"checkpoint": forged_body}))

    # then both are named, and the genuine one still checks
    report = verify_checkpoints(signing_key)
    assert report.checked == 1
    assert report.problems == [
        "checkpoint-forged.json: forged checkpoint (its signature does not verify under the key)",
        "checkpoint-unsigned.json: unsigned checkpoint",
    ]
    with pytest.raises(CommandError, match="checkpoint-forged.json: forged"):
        verify_audit(signing_key)


def test_a_checkpoint_file_is_never_overwritten(employee, signing_key, monkeypatch):
    # given a checkpoint taken at a moment
    from datetime import UTC, datetime

    events(employee, 1)
    now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    first = checkpoint_create(now=now)

    # when another is taken with the same name, it fails and the first file stays as it was
    before = (signing_key / first.file_name).read_text()
    with pytest.raises(FileExistsError):
        checkpoint_create(now=now)
    assert (signing_key / first.file_name).read_text() == before
    assert AuditCheckpoint.objects.count() == 1


def test_without_a_key_no_checkpoint_is_written_and_deploy_check_warns(settings, signing_key):
    from django.core.checks import run_checks

    from audit.signing import SigningKeyMissing

    settings.AUDIT_SIGNING_KEY = ""
    settings.DEBUG = False
    with pytest.raises(SigningKeyMissing):
        checkpoint_create()
    with pytest.raises(CommandError, match="AUDIT_SIGNING_KEY_FILE"):
        call_command("audit_checkpoint")
    assert not signing_key.exists()
    warnings = [m for m in run_checks(include_deployment_checks=True) if m.id == "audit.W001"]
    assert len(warnings) == 1 and "audit_keygen" in warnings[0].hint
    settings.AUDIT_SIGNING_KEY = KEY
    assert not [m for m in run_checks(include_deployment_checks=True) if m.id.startswith("audit.")]


def test_the_public_key_is_served_without_signing_in(client):
    response = client.get("/audit/checkpoints/public-key.pem")
    assert response.status_code == 200
    key = signing.load_public_key(response.content)
    assert signing.key_id(key) == signing.key_id()


def test_keygen_writes_a_key_once(tmp_path, settings):
    path = tmp_path / "audit-key.pem"
    out = io.StringIO()
    call_command("audit_keygen", str(path), stdout=out)
    assert path.stat().st_mode & 0o777 == 0o600
    settings.AUDIT_SIGNING_KEY, settings.AUDIT_SIGNING_KEY_FILE = "", str(path)
    assert signing.public_key_pem() in out.getvalue()
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("audit_keygen", str(path))


def test_an_empty_trail_checkpoints_the_genesis(signing_key):
    checkpoint = checkpoint_create(deliver=False)
    assert (checkpoint.position, checkpoint.head_hash, checkpoint.previous) == (0, GENESIS, "")
    assert verify_checkpoints(signing_key).problems == []
    mail.outbox.clear()
