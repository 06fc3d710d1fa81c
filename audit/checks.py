"""System checks of the trail's anchoring (``check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from audit import signing


@register(Tags.security, deploy=True)
def signing_key_check(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    if not signing.configured():
        return [
            Warning(
                "No audit signing key: checkpoints of the audit trail cannot be signed, so a truncated or "
                "rewritten trail would go unnoticed.",
                hint="Set AUDIT_SIGNING_KEY_FILE to an Ed25519 key in PEM (python manage.py audit_keygen FILE) "
                "and AUDIT_CHECKPOINT_DIR to a write-once directory outside the database.",
                id="audit.W001",
            )
        ]
    try:
        signing.public_key()
    except (OSError, ValueError) as exc:
        return [
            Warning(
                f"The audit signing key cannot be read: {exc}",
                hint="AUDIT_SIGNING_KEY_FILE must name a readable Ed25519 PEM key (manage.py audit_keygen FILE).",
                id="audit.W002",
            )
        ]
    return []
