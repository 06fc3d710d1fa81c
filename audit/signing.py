"""The trail's Ed25519 signing key, which lives outside the database.

``AUDIT_SIGNING_KEY_FILE`` names a PEM file (PKCS#8, as ``manage.py audit_keygen`` writes it), or
``AUDIT_SIGNING_KEY`` holds the PEM itself (or the base64 of the 32-byte raw private key). Nothing else
reads the key: checkpoints are signed with ``sign`` and checked with ``verify``; the public key is served
at ``/audit/checkpoints/public-key.pem``. Later records (approval receipts) sign with the same calls.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class SigningKeyMissing(Exception):
    """No signing key is configured (AUDIT_SIGNING_KEY_FILE or AUDIT_SIGNING_KEY)."""


def configured() -> bool:
    return bool(settings.AUDIT_SIGNING_KEY_FILE or settings.AUDIT_SIGNING_KEY)


def load_private_key(text: bytes) -> Ed25519PrivateKey:
    """A private key from PEM or the base64 of its 32 raw bytes."""
    text = text.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_private_key(text, password=None)
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            raise ValueError("AUDIT_SIGNING_KEY is neither a PEM key nor base64.") from exc
        key = Ed25519PrivateKey.from_private_bytes(raw)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("The audit signing key must be an Ed25519 key.")
    return key


@functools.cache
def _load(path: str, inline: str) -> Ed25519PrivateKey:
    if path:
        return load_private_key(Path(path).read_bytes())
    return load_private_key(inline.replace("\\n", "\n").encode())


def private_key() -> Ed25519PrivateKey:
    if not configured():
        raise SigningKeyMissing("Set AUDIT_SIGNING_KEY_FILE (or AUDIT_SIGNING_KEY): see manage.py audit_keygen.")
    return _load(settings.AUDIT_SIGNING_KEY_FILE, settings.AUDIT_SIGNING_KEY)


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: bytes | str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("Not an Ed25519 public key.")
    return key


def key_id(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, hex: names the key a signature was made with."""
    key = key or public_key()
    return hashlib.sha256(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()


def sign(data: bytes) -> str:
    """The base64 Ed25519 signature of ``data``."""
    return base64.b64encode(private_key().sign(data)).decode()


def verify(data: bytes, signature: str, *, key: Ed25519PublicKey | None = None) -> bool:
    """Does ``signature`` (base64) sign ``data`` under ``key`` (default: ours)?"""
    try:
        raw = base64.b64decode(signature, validate=True)
        (key or public_key()).verify(raw, data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def generate_pem() -> str:
    """A new private key as PKCS#8 PEM."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
