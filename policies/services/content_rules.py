"""Content rules: what the content check looks for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Department
from accounts.permissions import ensure_mfa
from audit import services as audit
from core.errors import InvalidInput, ensure
from policies.models import (
    ContentRule,
    Platform,
)
from policies.permissions import (
    can_manage_rules,
)


@transaction.atomic
def content_rule_save(
    *,
    actor: Any,
    rule: ContentRule,
    departments: Iterable[Department] | None = None,
    platforms: Iterable[Platform] | None = None,
) -> ContentRule:
    """Create or change a content rule; an invalid pattern is a field error, never a saved rule."""
    ensure(can_manage_rules(actor), _("Only IT security and communications write content rules."))
    ensure_mfa(actor)
    creating = rule.pk is None
    if creating and rule.created_by_id is None:
        rule.created_by = actor
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise InvalidInput(_("The rule is not valid."), fields=exc.message_dict) from exc
    rule.save()
    if departments is not None:
        rule.departments.set(departments)
    if platforms is not None:
        rule.platforms.set(platforms)
    audit.record(
        actor=actor,
        action="content_rule.created" if creating else "content_rule.changed",
        target=rule,
        data={
            "kind": rule.kind,
            "severity": rule.severity,
            "active": rule.is_active,
            "departments": sorted(d.slug for d in rule.departments.all()),
            "platforms": sorted(p.slug for p in rule.platforms.all()),
        },
    )
    return rule
