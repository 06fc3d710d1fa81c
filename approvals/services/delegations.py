"""Delegating one's reviews to someone else for a while, and revoking it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import is_it_security
from approvals import permissions
from approvals.models import Delegation
from audit import duties
from audit import services as audit
from core import objects
from core.errors import Conflict, InvalidInput, ensure
from notifications.services import notify


@duties.refusals_recorded
@transaction.atomic
def delegation_create(
    *,
    actor: User,
    delegate: User,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    delegator: User | None = None,
) -> Delegation:
    """Hand ``delegator``'s (by default the actor's) eligibility to ``delegate`` for a period."""
    delegator = delegator or actor
    ensure(permissions.may_act(actor), _("Auditors read; they do not delegate."))
    ensure(delegator.pk == actor.pk or is_it_security(actor), _("You hand over only your own reviews."))
    if delegator.pk != actor.pk:  # IT hands someone's reviews over: never to itself
        duties.ensure_may_decide(actor, duties.Decision(kind="grant", target=delegator, subjects=[delegate]))
    errors: dict[str, list[str]] = {}
    if delegate.pk == delegator.pk:
        errors["delegate"] = [_("Choose a colleague, not yourself.")]
    elif not delegate.is_active:
        errors["delegate"] = [_("That person has left.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end comes after the start.")]
    elif ends_at <= timezone.now():
        errors["ends_at"] = [_("The period has already ended.")]
    if errors:
        raise InvalidInput(_("The delegation was not saved."), fields=errors)
    delegation = Delegation.objects.create(
        delegator=delegator, delegate=delegate, starts_at=starts_at, ends_at=ends_at, reason=(reason or "").strip()
    )
    objects.bump_person(delegate.pk)  # whose eligibility they hold
    audit.record(
        actor=actor,
        action="delegation.created",
        target=delegation,
        target_label=str(delegation),
        data={"delegator": delegator.pk, "delegate": delegate.pk, "starts_at": starts_at, "ends_at": ends_at},
    )
    notify(
        event="delegation.created",
        recipients=[delegate],
        title=format_lazy(
            gettext_lazy("{person} hands you their reviews until {until}"),
            person=delegator,
            until=f"{timezone.localtime(ends_at):%Y-%m-%d %H:%M}",
        ),
        body=delegation.reason,
        url=reverse("approvals:delegations"),
        target=delegation,
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: User, delegation: Delegation) -> Delegation:
    delegation = Delegation.objects.select_for_update(of=("self",)).get(pk=delegation.pk)
    ensure(
        permissions.may_act(actor) and (delegation.delegator_id == actor.pk or is_it_security(actor)),
        _("Only the person who delegated ends it."),
    )
    if delegation.revoked_at is not None:
        raise Conflict(_("This delegation has already ended."), code="invalid_state")
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="delegation.revoked", target=delegation, target_label=str(delegation))
    objects.bump_person(delegation.delegate_id)  # whose eligibility they hold
    return delegation
