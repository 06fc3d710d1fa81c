"""Archive bundles: a channel's posts in a date range, exported as a self-verifying ZIP file.

A bundle holds one JSON Lines file per archive section (``records.registry.ARCHIVE_SECTIONS``: the posts, their
approved revisions, decisions, comments, publication reports and drift findings), ``manifest.json``,
``manifest.sig`` and ``public-key.pem``. The manifest names the bundle (format, channel, date range, when, by
whom, the key's id) and every file with its SHA-256, size and line count; it is signed as the audit trail's
checkpoints are (Ed25519, ``audit.signing``), over its bytes as stored: canonical JSON (keys sorted, no spaces,
UTF-8). ``verify_bundle``
(``manage.py archive_verify``) checks the signature, every file against the manifest, and that nothing was added.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.permissions import ensure_mfa
from approvals.models import Post
from audit import services as audit
from audit import signing
from audit.hashing import canonical_json
from channels_registry.models import Channel
from core.errors import InvalidInput, ensure
from records import permissions
from records.models import ArchiveExport
from records.registry import ARCHIVE_SECTIONS

User = get_user_model()

FORMAT = "socialgov-archive/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public-key.pem"
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # larger bundles go to a temporary file
MAX_RANGE_DAYS = 366 * 10


def _line(row: dict[str, Any]) -> bytes:
    return (canonical_json(row) + "\n").encode()


def bundle_posts(channel: Channel, date_from: dt.date, date_to: dt.date):
    return Post.objects.filter(channel=channel, created_at__date__gte=date_from, created_at__date__lte=date_to)


def _check_range(date_from: Any, date_to: Any) -> None:
    errors = {}
    if not isinstance(date_from, dt.date):
        errors["date_from"] = ["Give the first day."]
    if not isinstance(date_to, dt.date):
        errors["date_to"] = ["Give the last day."]
    if not errors and date_from > date_to:
        errors["date_to"] = ["End on or after the first day."]
    if not errors and (date_to - date_from).days > MAX_RANGE_DAYS:
        errors["date_to"] = ["Export at most ten years at a time."]
    if errors:
        raise InvalidInput("The date range is not valid.", fields=errors)


def archive_export(
    *, actor: User, channel: Channel, date_from: dt.date, date_to: dt.date
) -> tuple[ArchiveExport, IO[bytes]]:
    """Write the bundle (a file positioned at its start) and put the export on the record."""
    ensure(permissions.can_export_archive(actor), "Only compliance, IT security and auditors export the archive.")
    ensure_mfa(actor)
    _check_range(date_from, date_to)
    now = timezone.now()
    posts = bundle_posts(channel, date_from, date_to)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - handed to the response
    files, counts = [], {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for section in ARCHIVE_SECTIONS.values():
            name = f"{section.name}.jsonl"
            digest, size, lines = hashlib.sha256(), 0, 0
            with bundle.open(name, "w") as member:
                for row in section.rows(posts):
                    data = _line(row)
                    member.write(data)
                    digest.update(data)
                    size += len(data)
                    lines += 1
            files.append({"name": name, "sha256": digest.hexdigest(), "bytes": size, "lines": lines})
            counts[section.name] = lines
        manifest = {
            "format": FORMAT,
            "channel": {
                "id": channel.pk,
                "display_name": channel.display_name,
                "handle": channel.handle,
                "platform": channel.platform.name,
                "department": channel.department.name,
            },
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "created_at": now.isoformat(),
            "made_by": actor.pk,
            "key_id": signing.key_id(),
            "files": files,
        }
        document = canonical_json(manifest).encode()
        bundle.writestr(MANIFEST, document)
        bundle.writestr(SIGNATURE, signing.sign(document) + "\n")
        bundle.writestr(PUBLIC_KEY, signing.public_key_pem())
    out.seek(0)
    with transaction.atomic():
        export = ArchiveExport.objects.create(
            channel=channel,
            date_from=date_from,
            date_to=date_to,
            made_by=actor,
            created_at=now,
            manifest_sha256=hashlib.sha256(document).hexdigest(),
            counts=counts,
        )
        audit.record(
            actor=actor,
            action="records.archive_exported",
            target=export,
            data={
                "channel": channel.pk,
                "date_from": date_from.isoformat(),
                "date_to": date_to.isoformat(),
                "counts": counts,
                "manifest_sha256": export.manifest_sha256,
            },
        )
    return export, out


def bundle_name(export: ArchiveExport) -> str:
    return f"archive-channel-{export.channel_id}-{export.date_from}-{export.date_to}.zip"


# --- Verification ------------------------------------------------------------------------------------------------


@dataclass
class BundleCheck:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _member_digest(bundle: zipfile.ZipFile, name: str) -> tuple[str, int, int, bool]:
    digest, size, lines, parses = hashlib.sha256(), 0, 0, True
    with bundle.open(name) as member:
        for raw in member:
            digest.update(raw)
            size += len(raw)
            lines += 1
            try:
                json.loads(raw)
            except ValueError:
                parses = False
    return digest.hexdigest(), size, lines, parses


def verify_bundle(source: Any, *, public_key: Any = None) -> BundleCheck:
    """Check a bundle (a path or a file): its manifest's signature (under ``public_key``, else our own key, else the
    key the bundle carries, which only shows it is intact, not who made it), and every file against the manifest."""
    check = BundleCheck()
    try:
        bundle = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        check.problems.append(f"Not a bundle (not a ZIP file): {exc}")
        return check
    with bundle:
        names = set(bundle.namelist())
        for required in (MANIFEST, SIGNATURE):
            if required not in names:
                check.problems.append(f"{required} is missing.")
        if check.problems:
            return check
        document = bundle.read(MANIFEST)
        signature = bundle.read(SIGNATURE).decode(errors="replace").strip()
        key = public_key
        if key is None and signing.configured():
            key = signing.public_key()
        if key is None and PUBLIC_KEY in names:
            try:
                key = signing.load_public_key(bundle.read(PUBLIC_KEY))
            except ValueError:
                key = None
            check.notes.append(
                "Checked with the public key inside the bundle: this shows the bundle is intact, not who made it. "
                "Pass the organisation's key (--public-key) to check that."
            )
        if key is None:
            check.problems.append("No public key to check the signature with.")
            return check
        if not signing.verify(document, signature, key=key):
            check.problems.append("The manifest's signature does not verify: the manifest was changed or forged.")
        try:
            manifest = json.loads(document)
        except ValueError:
            check.problems.append("The manifest is not JSON.")
            return check
        check.manifest = manifest
        if manifest.get("format") != FORMAT:
            check.problems.append(f"Unknown format {manifest.get('format')!r}.")
        if manifest.get("key_id") != signing.key_id(key):
            check.problems.append("The manifest names another signing key than the one it was checked with.")
        listed = set()
        for entry in manifest.get("files", []):
            name = entry.get("name", "")
            listed.add(name)
            if name not in names:
                check.problems.append(f"{name} is missing.")
                continue
            digest, size, lines, parses = _member_digest(bundle, name)
            if digest != entry.get("sha256"):
                check.problems.append(f"{name} does not match its hash in the manifest (it was changed).")
            elif size != entry.get("bytes") or lines != entry.get("lines"):
                check.problems.append(f"{name} does not have the size or lines the manifest says.")
            if not parses:
                check.problems.append(f"{name} has a line that is not JSON.")
        for extra in sorted(names - listed - {MANIFEST, SIGNATURE, PUBLIC_KEY}):
            check.problems.append(f"{extra} is not in the manifest (it was added).")
    return check
