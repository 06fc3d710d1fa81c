"""Departments and their memberships."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.choices import Role
from accounts.models import Department, Membership, User
from audit import duties
from audit import services as audit
from core import objects
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, ensure
from notifications.services import notify


@transaction.atomic
def department_save(*, actor: User | None, department: Department, changed: list[str] | None = None) -> Department:
    """``actor`` None is the identity provider (SCIM groups)."""
    if actor is not None:
        ensure(permissions.is_it_security(actor) or actor.is_staff, _("Only IT administrators manage departments."))
    creating = department.pk is None
    department.full_clean()
    department.save()
    audit.record(
        actor=actor,
        action="department.created" if creating else "department.changed",
        target=department,
        data={"name": department.name, "changed": changed or []},
    )
    objects.bump_org()  # its name on everyone's memberships
    return department


def _membership_decision(department: Department, user: User) -> duties.Decision:
    """Nobody decides on their own membership (its role, its end), superusers included: the person is its
    subject."""
    return duties.Decision(kind="membership", target=department, subjects=[user])


def _ensure_may_manage(actor: User, department: Department, user: User, *roles: str | None) -> None:
    """A person (not the identity provider) manages a membership: a manager of that department (or IT security,
    an administrator), with their second factor, not their own membership, and only roles they may give and take
    (``roles``: the one it had, the one it gets)."""
    ensure(
        permissions.can_manage_department(actor, department),
        _("Only the department's managers or IT manage its members."),
    )
    permissions.ensure_mfa(actor)
    duties.ensure_may_decide(actor, _membership_decision(department, user))
    for role in roles:
        if role and not permissions.can_grant_role(actor, role):
            raise Forbidden(
                _("Only IT security or administrators make someone a manager or change a manager's membership.")
            )


def _valid_role(role: str) -> None:
    if role not in Role.values:
        raise InvalidInput(
            _("Unknown role."), fields={"role": [_("Choose one of %(choices)s.") % {"choices": ", ".join(Role.values)}]}
        )


# What a person is told, in their language (notifications.services.in_language): one sentence per role, since
# German and French do not lower-case a role's name in a sentence as English does.
MEMBERSHIP_TITLES = {
    Role.MEMBER: gettext_lazy("You are now member of {department}"),
    Role.REVIEWER: gettext_lazy("You are now reviewer of {department}"),
    Role.MANAGER: gettext_lazy("You are now manager of {department}"),
}


def _membership_changed(
    *, actor: User | None, membership: Membership, user: User, department: Department, before: str | None
) -> Membership:
    audit.record(
        actor=actor,
        action="membership.set",
        target=membership,
        data={
            "user": audit.personal(user.email),
            "department": department.slug,
            "before": before,
            "after": membership.role,
        },
    )
    objects.bump_person(user.pk)
    notify(
        event="membership.set",
        recipients=[user],
        title=format_lazy(MEMBERSHIP_TITLES[membership.role], department=department.name),
        body=format_lazy(gettext_lazy("Changed by {person}."), person=actor) if actor is not None else "",
        url=reverse("dashboard"),
        target=membership,
        data={"department": department.slug, "role": membership.role, "before": before},
    )
    return membership


@duties.refusals_recorded
@transaction.atomic
def membership_set(*, actor: User | None, user: User, department: Department, role: str) -> Membership:
    """Make ``user`` a ``role`` of ``department``: a new membership, or a new role for theirs (the admin, the
    demo seed; ``actor`` None is the identity provider, SCIM). A manager gives and takes member and reviewer in
    their own department; the manager role only IT security and administrators; nobody their own. Locks only the
    membership; audited; the person is told on commit."""
    _valid_role(role)
    membership = Membership.objects.select_for_update(of=("self",)).filter(user=user, department=department).first()
    before = membership.role if membership else None
    if actor is not None:
        _ensure_may_manage(actor, department, user, before, role)
        if membership is None:
            _ensure_active(user)
    if membership is not None and membership.role == role:
        return membership
    if membership is None:
        membership = _membership_create(user=user, department=department, role=role)
    else:
        membership.role = role
        membership.save(update_fields=["role"])
    return _membership_changed(actor=actor, membership=membership, user=user, department=department, before=before)


def _ensure_active(user: User) -> None:
    if not user.is_active:
        message = _("%(person)s is deactivated: IT reactivates people before they join a department.") % {
            "person": user.email
        }
        raise Conflict(message, fields={"email": [message]}, code="deactivated")


def _membership_create(*, user: User, department: Department, role: str) -> Membership:
    try:
        with transaction.atomic():  # a savepoint: the same person added twice at once fails one of them cleanly
            return Membership.objects.create(user=user, department=department, role=role)
    except IntegrityError:
        message = _("%(person)s is already a member of %(department)s.") % {
            "person": user.email,
            "department": department.name,
        }
        raise Conflict(message, fields={"email": [message]}, code="already_member") from None


@duties.refusals_recorded
@transaction.atomic
def membership_add(*, actor: User, department: Department, email: str, role: str = Role.MEMBER) -> Membership:
    """Add the person who signs in as ``email`` to ``department`` (the members page, the API): the same rules as
    ``membership_set``, and a clear refusal for an address nobody signs in with (400), a deactivated person or
    someone already a member (409)."""
    _valid_role(role)
    ensure(
        permissions.can_manage_department(actor, department),
        _("Only the department's managers or IT manage its members."),
    )
    address = (email or "").strip()
    if not address:
        raise InvalidInput(_("Give the person's e-mail address."), fields={"email": [_("This field is required.")]})
    user = User.objects.filter(email__iexact=address).first()
    if user is None:
        message = _("Nobody signs in as %(address)s. Check the address, or ask IT to create the account.") % {
            "address": address
        }
        raise InvalidInput(message, fields={"email": [message]})
    _ensure_may_manage(actor, department, user, role)
    _ensure_active(user)
    if Membership.objects.filter(user=user, department=department).exists():
        message = _("%(person)s is already a member of %(department)s: change their role in the list.") % {
            "person": user.email,
            "department": department.name,
        }
        raise Conflict(message, fields={"email": [message]}, code="already_member")
    membership = _membership_create(user=user, department=department, role=role)
    return _membership_changed(actor=actor, membership=membership, user=user, department=department, before=None)


@duties.refusals_recorded
@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Give an existing membership another role (the members page, the API); 404 when it ended meanwhile."""
    _valid_role(role)
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "department")
        .filter(pk=membership.pk)
        .first()
    )
    if membership is None:
        raise NotFound(_("This person is no longer a member."))
    before = membership.role
    _ensure_may_manage(actor, membership.department, membership.user, before, role)
    if before == role:
        return membership
    membership.role = role
    membership.save(update_fields=["role"])
    return _membership_changed(
        actor=actor, membership=membership, user=membership.user, department=membership.department, before=before
    )


@duties.refusals_recorded
@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    """End a membership. ``actor`` None is the identity provider (SCIM group membership). The same rules as
    ``membership_set`` (a manager's membership ends only by IT security or an administrator; nobody ends their
    own); locks only the membership; audited; the person is told on commit."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "department")
        .filter(pk=membership.pk)
        .first()
    )
    if membership is None:
        if actor is None:
            return
        raise NotFound(_("This person is no longer a member."))
    user, department = membership.user, membership.department
    if actor is not None:
        _ensure_may_manage(actor, department, user, membership.role)
    audit.record(
        actor=actor,
        action="membership.removed",
        target=membership,
        data={"user": audit.personal(user.email), "department": department.slug, "role": membership.role},
    )
    objects.bump_person(user.pk)
    role = membership.role
    membership.delete()
    notify(
        event="membership.removed",
        recipients=[user],
        title=format_lazy(gettext_lazy("You are no longer a member of {department}"), department=department.name),
        body=format_lazy(gettext_lazy("Removed by {person}."), person=actor) if actor is not None else "",
        url=reverse("dashboard"),
        target=department,
        data={"department": department.slug, "role": role},
    )
