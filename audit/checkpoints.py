"""Signed checkpoints of the chain's head, kept outside the database (as CloudTrail's digest files are).

A checkpoint is ``{"version", "position", "head_hash", "time", "count", "previous", "key_id"}``: the
chain's last position and hash, when, how many events were chained since the checkpoint before, and that
checkpoint's digest (SHA-256 of its signed bytes), under the signing key's id. The signed bytes are the
canonical JSON of that object (keys sorted, no spaces, UTF-8). Each is written once to its own file in
``AUDIT_CHECKPOINT_DIR`` (never overwritten: in production a write-once bucket or mount), copied to the
database, and sent to auditors by e-mail and to webhooks subscribed to ``audit.checkpoint``.

``verify_checkpoints`` reads such a directory back and names, by file, a forged or unsigned checkpoint,
a checkpoint whose predecessor is gone, events missing after a checkpoint's position (a truncated tail,
or a database restored from before it) and a chain rewritten under a checkpoint (another head hash at
its position).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from audit import signing
from audit.hashing import GENESIS, canonical_json, stamp
from audit.models import AuditCheckpoint, ChainLink
from audit.services import sequence

CHECKPOINT_LOCK_KEY = 0x50C1A1607A0D18
AUDITORS_GROUP = "auditor"  # accounts.roles.Group.AUDITOR (audit imports no app)
EVENT = "audit.checkpoint"


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def digest_of(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def _file_name(now: datetime, position: int) -> str:
    return f"checkpoint-{now.strftime('%Y%m%dT%H%M%S%fZ')}-{position:012d}.json"


def _write_once(path: Path, text: str) -> None:
    """Create ``path`` with ``text``; an existing file is never replaced (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def checkpoint_create(*, now: datetime | None = None, deliver: bool = True) -> AuditCheckpoint:
    """Chain what is committed, then sign, write and send a checkpoint of the head."""
    key_id = signing.key_id()  # no key: SigningKeyMissing, before anything is written
    sequence()
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHECKPOINT_LOCK_KEY])
        last = AuditCheckpoint.objects.order_by("-id").first()
        position, head_hash = ChainLink.objects.order_by("-position").values_list("position", "hash").first() or (
            0,
            GENESIS,
        )
        body = {
            "version": 1,
            "position": position,
            "head_hash": head_hash,
            "time": stamp(now),
            "count": position - (last.position if last else 0),
            "previous": last.digest if last else None,
            "key_id": key_id,
        }
        document = canonical_json(body)
        signature = signing.sign(document.encode())
        name = _file_name(now, position)
        # The file first: if it cannot be written, nothing claims it was.
        _write_once(checkpoint_dir() / name, json.dumps({"checkpoint": body, "signature": signature}, indent=2) + "\n")
        checkpoint = AuditCheckpoint.objects.create(
            created_at=now,
            position=position,
            head_hash=head_hash,
            count=body["count"],
            previous=body["previous"] or "",
            document=document,
            signature=signature,
            key_id=key_id,
            digest=digest_of(document),
            file_name=name,
        )
        if deliver:
            _deliver(checkpoint, body, signature)
    return checkpoint


def _deliver(checkpoint: AuditCheckpoint, body: dict[str, Any], signature: str) -> None:
    from notifications.services import notify  # notifications imports audit: deferred

    auditors = get_user_model().objects.filter(groups__name=AUDITORS_GROUP, is_active=True)
    notify(
        event=EVENT,
        recipients=list(auditors),
        title=f"Audit trail checkpoint at position {checkpoint.position}",
        body=(
            f"The audit trail's head at {body['time']}: position {body['position']}, hash {body['head_hash']}.\n"
            f"Signed checkpoint ({checkpoint.file_name}):\n"
            + json.dumps({"checkpoint": body, "signature": signature}, indent=2)
            + "\nKeep it: `manage.py verify_audit --checkpoints DIR` checks the trail against such files."
        ),
        url="/audit/checkpoints/public-key.pem",
        data={"checkpoint": body, "signature": signature, "file": checkpoint.file_name},
    )


# --- Verification against checkpoints ------------------------------------------------


@dataclass
class CheckpointReport:
    checked: int = 0  # checkpoints whose signature verified
    problems: list[str] = field(default_factory=list)
    truncated_after: int | None = None  # the chain's last position, when a checkpoint signed a later one
    missing: int = 0  # events missing after it


def _read(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None, "unreadable (not a checkpoint file)"
    if not isinstance(doc, dict) or not isinstance(doc.get("checkpoint"), dict):
        return None, "not a checkpoint file"
    body = doc["checkpoint"]
    if not isinstance(body.get("position"), int) or not isinstance(body.get("head_hash"), str):
        return None, "not a checkpoint file (no position or head hash)"
    return doc, None


def verify_checkpoints(directory: str | Path, *, public_key: Any = None) -> CheckpointReport:
    """Check every ``*.json`` checkpoint in ``directory`` against ``public_key`` (default: ours) and the chain."""
    report = CheckpointReport()
    key = public_key or signing.public_key()
    valid: list[tuple[dict[str, Any], str, str]] = []
    paths = sorted(Path(directory).glob("*.json"))
    if not paths:
        report.problems.append(f"{directory}: no checkpoint files")
    for path in paths:
        doc, trouble = _read(path)
        if trouble:
            report.problems.append(f"{path.name}: {trouble}")
            continue
        body, signature = doc["checkpoint"], doc.get("signature")
        document = canonical_json(body)
        if not signature:
            report.problems.append(f"{path.name}: unsigned checkpoint")
        elif not signing.verify(document.encode(), str(signature), key=key):
            report.problems.append(f"{path.name}: forged checkpoint (its signature does not verify under the key)")
        else:
            valid.append((body, path.name, digest_of(document)))
    report.checked = len(valid)
    digests = {d for _, _, d in valid}
    for body, name, _ in valid:
        previous = body.get("previous")
        if previous and previous not in digests:
            report.problems.append(f"{name}: the checkpoint before it ({previous[:16]}…) is not in {directory}")
    head = ChainLink.objects.order_by("-position").values_list("position", flat=True).first() or 0
    valid.sort(key=lambda v: v[0]["position"])
    hashes = dict(
        ChainLink.objects.filter(position__in={b["position"] for b, _, _ in valid}).values_list("position", "hash")
    )
    for body, name, _ in valid:
        position = body["position"]
        if position == 0:
            continue
        if position > head:
            continue  # reported once below, for the latest checkpoint
        if hashes.get(position) != body["head_hash"]:
            report.problems.append(
                f"{name}: the chain was rewritten: at position {position} its hash is {hashes.get(position)}, "
                f"the checkpoint signed {body['head_hash']}"
            )
    beyond = [v for v in valid if v[0]["position"] > head]
    if beyond:
        body, name, _ = beyond[-1]
        report.truncated_after, report.missing = head, body["position"] - head
        report.problems.append(
            f"{name}: {report.missing} event(s) missing after position {head} (a truncated tail): the checkpoint "
            f"signed the chain at position {body['position']}"
        )
    return report
