"""Approval receipts: what was approved, hashed and signed, and how a report of what went out is compared.

A receipt's ``content_hash`` is the SHA-256 of the canonical JSON of
``{"v": 1, "channel": id, "text": normalised text, "links": sorted links, "attachments": [sha256, ...]}``.
The text is normalised as a network shows it: Unicode NFC, the links taken out (they are compared as links),
runs of white space made one space, trimmed. The receipt itself is a token ``v1.<payload>.<signature>``
(both parts base64url, no padding): the payload is the canonical JSON of post, revision, channel, approval
time and content hash; the signature is Ed25519 under the audit checkpoints' key (``audit.signing``), or
HMAC-SHA256 under the SECRET_KEY where that key is not configured. Anyone holding the public key
(``/audit/checkpoints/public-key.pem``) can check an Ed25519 receipt offline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac

from audit import signing
from audit.hashing import canonical_json

VERSION = "v1"
HMAC_KEY_ID = "hmac"
HMAC_SALT = "socialgov.approvals.receipts"
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
TRAILING = ".,;:!?)]}'\""


class ReceiptInvalid(Exception):
    """The receipt is malformed, or its signature does not verify."""


def links_in(text: str) -> list[str]:
    return [m.group(0).rstrip(TRAILING) for m in URL.finditer(text or "")]


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = URL.sub(" ", text)
    return " ".join(text.split())


def normalise_links(links: list[str]) -> list[str]:
    return sorted({unicodedata.normalize("NFC", str(u)).strip().rstrip("/") for u in links if str(u).strip()})


def content_hash(*, channel_id: int, text: str, links: list[str], attachments: list[str]) -> str:
    document = {
        "v": 1,
        "channel": channel_id,
        "text": normalise_text(text),
        "links": normalise_links([*links, *links_in(text)]),
        "attachments": list(attachments),
    }
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def file_sha256(field) -> str:
    digest = hashlib.sha256()
    with field.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hmac(data: bytes, secret: str) -> str:
    return base64.b64encode(salted_hmac(HMAC_SALT, data, secret=secret, algorithm="sha256").digest()).decode()


def sign(payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The payload with the algorithm and key named in it (``alg``, ``key``), and the base64 signature
    of its canonical JSON."""
    if signing.configured():
        payload = {**payload, "alg": "ed25519", "key": signing.key_id()}
        return payload, signing.sign(canonical_json(payload).encode())
    payload = {**payload, "alg": "hmac-sha256", "key": HMAC_KEY_ID}
    return payload, _hmac(canonical_json(payload).encode(), settings.SECRET_KEY)


def token(payload: dict[str, Any], signature: str) -> str:
    return f"{VERSION}.{_b64(canonical_json(payload).encode())}.{_b64(base64.b64decode(signature))}"


@dataclass(frozen=True)
class Verified:
    payload: dict[str, Any]
    signature: str  # base64, as stored


def verify(text: str) -> Verified:
    """The payload of a receipt token whose signature verifies under our key; ReceiptInvalid otherwise."""
    parts = (text or "").strip().split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise ReceiptInvalid("This is not a socialgov receipt (expected v1.<payload>.<signature>).")
    try:
        data = _unb64(parts[1])
        signature = base64.b64encode(_unb64(parts[2])).decode()
        payload = json.loads(data)
    except (binascii.Error, ValueError) as exc:
        raise ReceiptInvalid("The receipt is damaged: it does not decode.") from exc
    if not isinstance(payload, dict):
        raise ReceiptInvalid("The receipt is damaged: its payload is not an object.")
    if canonical_json(payload).encode() != data:
        raise ReceiptInvalid("The receipt's payload is not in canonical form.")
    if payload.get("alg") == "ed25519":
        ok = signing.configured() and payload.get("key") == signing.key_id() and signing.verify(data, signature)
    elif payload.get("alg") == "hmac-sha256":
        secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        ok = any(hmac.compare_digest(_hmac(data, s), signature) for s in secrets)
    else:
        ok = False
    if not ok:
        raise ReceiptInvalid(
            "The receipt's signature does not verify: it was not issued by socialgov, or it was changed."
        )
    return Verified(payload=payload, signature=signature)
