"""The one service for configuration rows edited in the Django admin that have no service of their own (groups,
Celery beat's schedules and periodic tasks): it saves or deletes the row and records its model, its key and each
changed field's value before and after."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from audit import services as audit
from core.errors import ensure

SECRET_FIELDS = {"password", "secret", "secret_hash", "data"}


def _snapshot(obj: models.Model, *, m2m: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        values[field.name] = field.value_to_string(obj)
    if m2m and obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(str(pk) for pk in getattr(obj, field.name).values_list("pk", flat=True))
    return values


def _label(obj: models.Model) -> str:
    return obj._meta.label_lower


def _may_administer(actor: Any) -> None:
    from accounts.permissions import ensure_mfa

    ensure(getattr(actor, "is_active", False) and getattr(actor, "is_staff", False), "Only administrators do this.")
    ensure_mfa(actor)


@transaction.atomic
def admin_change_save(*, actor: Any, instance: models.Model, save_m2m: Any = None) -> models.Model:
    """Save ``instance`` as the admin's form left it (and, with ``save_m2m``, its many-to-many values); audit
    ``admin.created`` or ``admin.changed`` with the fields that changed, before and after."""
    _may_administer(actor)
    creating = instance.pk is None or not type(instance)._default_manager.filter(pk=instance.pk).exists()
    before = {}
    if not creating:
        stored = type(instance)._default_manager.select_for_update(of=("self",)).get(pk=instance.pk)
        before = _snapshot(stored, m2m=True)
    instance.save()
    if save_m2m is not None:
        save_m2m()
    after = _snapshot(instance, m2m=True)
    changes = {k: [before.get(k), v] for k, v in after.items() if creating or before.get(k) != v}
    if changes:
        audit.record(
            actor=actor,
            action="admin.created" if creating else "admin.changed",
            target=instance,
            data={"model": _label(instance), "changes": changes},
        )
    return instance


@transaction.atomic
def admin_change_delete(*, actor: Any, instance: models.Model) -> None:
    """Delete ``instance`` from the admin; audit ``admin.deleted`` with what it held."""
    _may_administer(actor)
    audit.record(
        actor=actor,
        action="admin.deleted",
        target=instance,
        data={"model": _label(instance), "was": _snapshot(instance, m2m=True)},
    )
    instance.delete()
