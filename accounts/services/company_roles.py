"""The company-wide roles (communications, IT security, auditor, compliance) a person holds."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.choices import Group
from accounts.models import User
from audit import services as audit
from core import objects
from core.errors import InvalidInput, ensure
from notifications.services import notify

ROLE_GROUP_NAMES = {
    Group.COMMUNICATIONS: gettext_lazy("Communications"),
    Group.IT_SECURITY: gettext_lazy("IT security"),
    Group.AUDITOR: gettext_lazy("Auditor"),
    Group.COMPLIANCE: gettext_lazy("Compliance"),
}


def user_groups_changed(*, actor: User, user: User, before: set[str], after: set[str]) -> None:
    """Audit a change of company-wide roles (communications, IT security, auditor)."""
    if before == after:
        return
    audit.record(
        actor=actor,
        action="user.roles_changed",
        target=user,
        data={"added": sorted(after - before), "removed": sorted(before - after)},
    )
    objects.bump_person(user.pk)  # the policies and courses their roles are the audience of


@transaction.atomic
def user_role_set(*, actor: User | None, user: User, role: str, held: bool, source: str = "") -> bool:
    """Give ``user`` the company role ``role`` (communications, IT security, auditor, compliance) or take it away;
    True when something changed, False when they already were so (nothing written). ``actor`` None is the identity
    provider (SCIM role groups, which check ``SCIM_PRIVILEGED_ROLE_GROUPS`` first); a person acting is IT security,
    never on their own roles. Locks the person's row only; audited as the User admin's change is."""
    if role not in Group.ALL:
        raise InvalidInput(
            _("Unknown role."), fields={"role": [_("Choose one of %(choices)s.") % {"choices": ", ".join(Group.ALL)}]}
        )
    if actor is not None:
        ensure(permissions.is_it_security(actor), _("Only IT security gives company roles."))
        permissions.ensure_mfa(actor)
        ensure(actor.pk != user.pk, _("Nobody changes their own roles."))
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    group = user.groups.model.objects.get(name=role)
    if user.groups.filter(pk=group.pk).exists() == held:
        return False
    if held:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    data = {"added": [role] if held else [], "removed": [] if held else [role]}
    trail = {**data, "via": source} if source else data
    audit.record(actor=actor, action="user.roles_changed", target=user, data=trail)
    objects.bump_person(user.pk)  # the policies and courses their roles are the audience of
    label = Group.LABELS[role]
    notify(
        event="user.roles_changed",
        recipients=[user],
        title=format_lazy(
            gettext_lazy("You are now {role}") if held else gettext_lazy("You are no longer {role}"),
            role=ROLE_GROUP_NAMES.get(role, label),
        ),
        target=user,
        data=data,
    )
    return True
