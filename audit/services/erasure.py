"""Erasure: blanking what the trail says about one person; the chain still verifies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit.models import AuditPersonal
from audit.services.recording import record
from core.errors import Forbidden, ensure

ERASED = "[erased]"
ERASERS_GROUP = "it_security"  # accounts.roles.Group.IT_SECURITY (audit imports no app)


def _may_erase(actor: Any) -> bool:
    return bool(
        getattr(actor, "is_active", False) and (actor.is_superuser or actor.groups.filter(name=ERASERS_GROUP).exists())
    )


@transaction.atomic
def audit_erase_person(*, actor: Any, person: Any, reason: str = "") -> int:
    """Erase what the trail says about ``person``: the values and salts of every personal row that names
    them (as actor or subject) are blanked. Events, their commitments and the chain stay as they were,
    so ``verify_chain`` still passes. Audited (without the person's data). Returns the rows erased."""
    ensure(_may_erase(actor), "Only IT security erases personal data from the audit trail.")
    if actor.pk == person.pk:
        raise Forbidden("Nobody erases their own data from the audit trail.")
    rows = AuditPersonal.objects.filter(person=person, erased_at__isnull=True)
    erased = rows.update(salt="", label=ERASED, ip=None, data={}, erased_at=timezone.now())
    record(
        actor=actor,
        action="audit.person_erased",
        target_type=get_user_model()._meta.label_lower,
        target_id=person.pk,
        target_label=f"person #{person.pk}",
        data={"rows": erased, "reason": (reason or "").strip()[:500]},
    )
    return erased
