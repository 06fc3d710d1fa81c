"""Attachments are recognised by their first bytes, never by their name."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10


def sniff(head: bytes) -> str | None:
    """The content type the leading bytes announce, or None when it is not an accepted kind."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def inspect(upload: Any) -> tuple[str | None, str]:
    """(content type, problem) for an uploaded file."""
    size = getattr(upload, "size", 0) or 0
    if size > MAX_ATTACHMENT_BYTES:
        return None, _("%(name)s is larger than %(size)s MB.") % {
            "name": upload.name,
            "size": MAX_ATTACHMENT_BYTES // (1024 * 1024),
        }
    if size == 0:
        return None, _("%(name)s is empty.") % {"name": upload.name}
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        return None, _("%(name)s is not an image, a PDF or a video.") % {"name": upload.name}
    return kind, ""
