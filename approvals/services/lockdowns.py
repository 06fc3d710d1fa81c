"""Lockdowns: holding every release in their scope until they end."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Group
from accounts.models import Department, User
from approvals import permissions, selectors
from approvals.choices import LockdownScope
from approvals.models import Lockdown
from approvals.services._common import _later
from audit import services as audit
from channels_registry.models import Channel
from core.errors import Conflict, InvalidInput, ensure
from notifications.services import notify

# A lockdown and a release never interleave: starting a lockdown takes this PostgreSQL advisory
# lock exclusively, each release shares it while it reads the lockdowns in force. So once
# lockdown_start has committed, no release that did not see it can still commit.
LOCKDOWN_BARRIER = 0x53474C4B


def _lockdown_barrier(*, exclusive: bool) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite runs one write transaction at a time already
    sql = "SELECT pg_advisory_xact_lock(%s)" if exclusive else "SELECT pg_advisory_xact_lock_shared(%s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [LOCKDOWN_BARRIER])


def _lockdown_audience() -> list[User]:
    return list(
        User.objects.filter(is_active=True, groups__name__in=[Group.COMMUNICATIONS, Group.IT_SECURITY]).distinct()
    )


@transaction.atomic
def lockdown_start(
    *,
    actor: User,
    reason: str,
    scope: str = LockdownScope.ALL,
    department: Department | None = None,
    channel: Channel | None = None,
    ends_at: datetime | None = None,
) -> Lockdown:
    ensure(permissions.can_lockdown(actor), _("Only communications reviewers and IT security start a lockdown."))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why publishing is paused.")]
    if scope not in LockdownScope.values:
        errors["scope"] = [_("One of %(values)s.") % {"values": ", ".join(LockdownScope.values)}]
    if scope == LockdownScope.DEPARTMENT and department is None:
        errors["department"] = [_("Choose the department.")]
    if scope == LockdownScope.CHANNEL and channel is None:
        errors["channel"] = [_("Choose the channel.")]
    if ends_at is not None and (timezone.is_naive(ends_at) or ends_at <= timezone.now()):
        errors["ends_at"] = [_("The automatic end must be a time in the future, with its time zone.")]
    if errors:
        raise InvalidInput(_("The lockdown was not started."), fields=errors)
    _lockdown_barrier(exclusive=True)  # waits for releases in flight; later ones see this lockdown
    lockdown = Lockdown.objects.create(
        scope=scope,
        department=department if scope == LockdownScope.DEPARTMENT else None,
        channel=channel if scope == LockdownScope.CHANNEL else None,
        reason=reason,
        started_by=actor,
        started_at=timezone.now(),
        ends_at=ends_at,
    )
    transaction.on_commit(selectors.forget_banner)
    audit.record(
        actor=actor,
        action="lockdown.started",
        target=lockdown,
        target_label=str(lockdown),
        data={"scope": scope, "reason": reason, "ends_at": ends_at},
    )
    notify(
        event="lockdown.started",
        recipients=_lockdown_audience(),
        title=format_lazy(gettext_lazy("Publishing paused: {scope}"), scope=_later(lambda: lockdown.scope_label)),
        body=reason,
        url=reverse("approvals:lockdowns"),
        target=lockdown,
        data={"scope": scope, "reason": reason, "ends_at": ends_at},
    )
    return lockdown


@transaction.atomic
def lockdown_end(*, actor: User | None, lockdown: Lockdown, now: datetime | None = None) -> Lockdown:
    """End a lockdown by hand (``actor``) or automatically (None, at its end time); release resumes."""
    lockdown = Lockdown.objects.select_for_update(of=("self",)).get(pk=lockdown.pk)
    if actor is not None:
        ensure(permissions.can_lockdown(actor), _("Only communications reviewers and IT security end a lockdown."))
    if lockdown.ended_at is not None:
        raise Conflict(_("This lockdown has already ended."), code="invalid_state")
    lockdown.ended_at = now or timezone.now()
    lockdown.ended_by = actor
    lockdown.save(update_fields=["ended_at", "ended_by"])
    transaction.on_commit(selectors.forget_banner)
    audit.record(
        actor=actor,
        action="lockdown.ended",
        target=lockdown,
        target_label=str(lockdown),
        data={"automatic": actor is None},
    )
    notify(
        event="lockdown.ended",
        recipients=_lockdown_audience(),
        title=format_lazy(gettext_lazy("Publishing resumed: {scope}"), scope=_later(lambda: lockdown.scope_label)),
        body=lockdown.reason,
        url=reverse("approvals:lockdowns"),
        target=lockdown,
        data={"automatic": actor is None},
    )
    return lockdown
