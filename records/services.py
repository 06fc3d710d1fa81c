"""Writes of the record: legal holds, retention periods and the retention run (archive bundles and data-subject
requests are in ``records.bundles`` and ``records.subjects``).

Every function takes the acting person keyword-only, checks who may, locks only the row it changes, and writes
its audit event in the same transaction. Audit events name people by id (``person #id``), never by name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Department
from accounts.permissions import ensure_mfa
from audit import services as audit
from channels_registry.models import Channel
from core.errors import Conflict, Forbidden, InvalidInput, ensure
from records import permissions
from records.models import LegalHold, RetentionRule, RetentionRun
from records.registry import RECORD_TYPES, RecordType

User = get_user_model()

MAX_REASON = 2000
RETENTION_BATCH = 500


def ensure_not_own(actor: User, person: User | None, what: str) -> None:
    """Nobody keeps or handles the record about themselves (separation of duties: the subject rule). Not one of
    ``audit.duties``' kinds, whose refusals feed a partial index of the trail: a new kind there is a migration.
    ``what``: an English phrase marked with gettext_noop (callers may keep it), said here in the actor's language."""
    if person is not None and actor.pk == person.pk:
        raise Forbidden(
            _("%(what)s concerns you: someone else must do it.") % {"what": _(what)}, code="separation_of_duties"
        )


def _clean_reason(reason: str, *, field: str = "reason", required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidInput(_("Give a reason."), fields={field: [_("Say why (the matter, the case, the request).")]})
    if "\x00" in reason:
        raise InvalidInput(
            _("Null characters are not allowed."), fields={field: [_("Null characters are not allowed.")]}
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("The reason is too long."),
            fields={field: [_("Keep it under %(count)d characters.") % {"count": MAX_REASON}]},
        )
    return reason


# --- Legal holds -------------------------------------------------------------------------------------------------


def active_holds() -> list[LegalHold]:
    return list(LegalHold.objects.filter(released_at__isnull=True).order_by("id"))


@transaction.atomic
def hold_set(
    *,
    actor: User,
    reason: str,
    channel: Channel | None = None,
    department: Department | None = None,
    person: User | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> LegalHold:
    """Put a legal hold on everything that matches every criterion given (at least one)."""
    ensure(permissions.can_keep_records(actor), _("Only compliance and IT security set legal holds."))
    ensure_mfa(actor)
    reason = _clean_reason(reason)
    if not any([channel, department, person, date_from, date_to]):
        raise InvalidInput(
            _("Say what the hold covers."),
            fields={"channel": [_("Name a channel, a department, a person or a date range.")]},
        )
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(_("The date range is backwards."), fields={"date_to": [_("End on or after the start.")]})
    ensure_not_own(actor, person, gettext_noop("This legal hold"))
    hold = LegalHold.objects.create(
        channel=channel,
        department=department,
        person=person,
        date_from=date_from,
        date_to=date_to,
        reason=reason,
        set_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="records.hold_set",
        target=hold,
        data={
            "channel": channel.pk if channel else None,
            "department": department.pk if department else None,
            "person": person.pk if person else None,
            "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None,
            # a hold on a person is about them: its reason is erasable with their other data
            "reason": audit.personal(reason) if person is not None else reason,
        },
        subject=person,
    )
    return hold


@transaction.atomic
def hold_release(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """End a hold: what it covered follows its retention period again."""
    ensure(permissions.can_keep_records(actor), _("Only compliance and IT security release legal holds."))
    ensure_mfa(actor)
    reason = _clean_reason(reason, field="release_reason")
    hold = LegalHold.objects.select_for_update(of=("self",)).get(pk=hold.pk)
    if hold.released_at is not None:
        raise Conflict(_("This legal hold was already released."), code="invalid_state")
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_reason = reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    about = hold.person_id is not None  # a hold on a person is about them: its reasons are erasable with their data
    audit.record(
        actor=actor,
        action="records.hold_released",
        target=hold,
        data={"reason": audit.personal(reason) if about else reason},
        subject=hold.person_id,
    )
    return hold


# --- Retention ---------------------------------------------------------------------------------------------------


def retention_days() -> dict[str, int]:
    """Each kind's period in days: its rule if IT or compliance set one, else the registry's default."""
    rules = dict(RetentionRule.objects.values_list("record_type", "keep_days"))
    return {key: rules.get(key, kind.default_days) for key, kind in RECORD_TYPES.items()}


@transaction.atomic
def retention_rule_set(*, actor: User, record_type: str, keep_days: int) -> RetentionRule:
    ensure(permissions.can_set_retention(actor), _("Only compliance and IT security set retention periods."))
    ensure_mfa(actor)
    if record_type not in RECORD_TYPES:
        raise InvalidInput(_("No such kind of record."), fields={"record_type": [_("Choose a kind of record.")]})
    if not isinstance(keep_days, int) or keep_days < 1 or keep_days > 100 * 365:
        raise InvalidInput(
            _("Keep records between a day and a hundred years."), fields={"keep_days": [_("1 to 36500.")]}
        )
    rule = RetentionRule.objects.select_for_update(of=("self",)).filter(record_type=record_type).first()
    before = rule.keep_days if rule else RECORD_TYPES[record_type].default_days
    if rule is None:
        rule = RetentionRule(record_type=record_type)
    rule.keep_days = keep_days
    rule.updated_by = actor
    rule.updated_at = timezone.now()
    rule.save()
    audit.record(
        actor=actor,
        action="records.retention_set",
        target=rule,
        data={"record_type": record_type, "before": before, "after": keep_days},
    )
    return rule


def _delete_batch(kind: RecordType, ids: list[int]) -> int:
    """Delete one batch in its own short transaction, locking only those rows (and skipping any locked now)."""
    model = kind.model_class()
    with transaction.atomic():
        locked = list(model._default_manager.select_for_update(of=("self",), skip_locked=True).filter(pk__in=ids))
        if not locked:
            return 0
        rows = model._default_manager.filter(pk__in=[o.pk for o in locked])
        files = kind.before_delete(rows) if kind.before_delete else []
        rows.delete()
        if files:
            transaction.on_commit(lambda: _remove_files(files))
    return len(locked)


def _remove_files(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        storage.delete(name)


def retention_apply(*, actor: User | None = None, now: dt.datetime | None = None) -> RetentionRun:
    """Delete every record past its kind's period except what an active legal hold covers; one audit event with
    the counts per kind (past their time, deleted, held). Batched: each batch its own short transaction, so the
    run locks little at a time and a second run at once deletes nothing twice. ``actor`` None is the task."""
    if actor is not None:
        ensure(permissions.can_set_retention(actor), _("Only compliance and IT security run retention."))
        ensure_mfa(actor)
    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=now)
    holds = active_holds()
    counts: dict[str, dict[str, int]] = {}
    for key, days in retention_days().items():
        kind = RECORD_TYPES[key]
        model = kind.model_class()
        due = model._default_manager.filter(kind.eligible, **{f"{kind.date_field}__lt": now - dt.timedelta(days=days)})
        held = due.filter(pk__in=kind.held(holds)).count() if holds else 0
        deletable = due.exclude(pk__in=kind.held(holds)) if holds else due
        deleted = 0
        while True:
            ids = list(deletable.order_by("pk").values_list("pk", flat=True)[:RETENTION_BATCH])
            if not ids:
                break
            n = _delete_batch(kind, ids)
            deleted += n
            if n == 0:  # all locked by someone else right now: the next run takes them
                break
        counts[key] = {"deleted": deleted, "held": held, "keep_days": days}
    with transaction.atomic():
        run = RetentionRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
        run.counts = counts
        run.finished_at = timezone.now()
        run.save(update_fields=["counts", "finished_at"])
        audit.record(actor=actor, action="records.retention_applied", target=run, data={"counts": counts})
    return run
