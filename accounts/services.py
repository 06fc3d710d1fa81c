"""Writes about people: tokens, memberships, deactivation."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.choices import Group, Role, TokenScope
from accounts.models import ApiToken, Department, Membership, User
from accounts.selectors import group_names_from, token_with_user, users_in_group
from audit import duties
from audit import services as audit
from core import objects
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, ensure
from notifications.services import notify

TOKEN_PREFIX = "sg"


# --- API tokens ----------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, actor: User, name: str, scope: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal token. Returns it with its key, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the token a name."), fields={"name": [_("This field is required.")]})
    if scope not in TokenScope.values:
        raise InvalidInput(
            _("Unknown scope."),
            fields={"scope": [_("Choose one of %(choices)s.") % {"choices": ", ".join(TokenScope.values)}]},
        )
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise InvalidInput(_("A token lives 1 to 366 days."), fields={"days": [_("Choose 1 to 366 days.")]})
    ensure(actor.is_active, _("Inactive people cannot create tokens."))
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=actor,
                    name=name[:100],
                    prefix=prefix,
                    secret_hash=_hash_secret(secret),
                    scope=scope,
                    expires_at=timezone.now() + timedelta(days=days),
                )
                audit.record(
                    actor=actor,
                    action="token.created",
                    target=token,
                    data={"scope": scope, "expires_at": token.expires_at, "name": token.name},
                )
        except IntegrityError:
            continue  # prefix collision: draw again
        return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"
    raise Conflict(_("Could not create a token; try again."))


def token_authenticate(key: str) -> ApiToken | None:
    """The usable token for ``key``, or None. Records its last use at most once a minute."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = token_with_user(parts[1])
    if token is None or not hmac.compare_digest(token.secret_hash, _hash_secret(parts[2])):
        return None
    if not token.is_usable:
        return None
    # the caller's groups and two-factor enrolment came with the token: no query for each later
    permissions.remember(token.user, groups=group_names_from(token.user_group_names), mfa=bool(token.user_has_mfa))
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
    ensure(token.user_id == actor.pk or permissions.can_deactivate_users(actor), _("You cannot revoke this token."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="token.revoked", target=token, data={"owner": audit.personal(token.user.email)})
    return token


# --- People --------------------------------------------------------------------------


def _end_sessions(user: User) -> int:
    """End the person's sessions through the session engine (the database row and its cached copy). The row's
    deletion commits with the caller's transaction: a request reading the session meanwhile could put it back
    in the cache, so the cached copy is dropped once more on commit."""
    from allauth.usersessions.models import UserSession

    keys = []
    for session in UserSession.objects.filter(user=user):
        session.end()
        keys.append(session.session_key)
    if keys:
        transaction.on_commit(functools.partial(_forget_sessions, keys), robust=True)
    return len(keys)


def _forget_sessions(keys: list[str]) -> None:
    engine = import_module(settings.SESSION_ENGINE)
    for key in keys:
        engine.SessionStore().delete(key)


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User, reason: str = "") -> User:
    """Switch a person off: no sign-in, no session, no token. ``actor`` None is the system."""
    if actor is not None:
        ensure(permissions.can_deactivate_users(actor), _("Only IT security or administrators deactivate people."))
        permissions.ensure_mfa(actor)
        ensure(actor.pk != user.pk, _("You cannot deactivate yourself."))
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    if not user.is_active and user.deactivated_at is not None:
        return user
    now = timezone.now()
    user.is_active = False
    user.deactivated_at = now
    user.save(update_fields=["is_active", "deactivated_at"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    sessions = _end_sessions(user)
    audit.record(
        actor=actor,
        action="user.deactivated",
        target=user,
        data={"reason": reason, "tokens_revoked": revoked, "sessions_ended": sessions},
    )
    objects.bump_org()  # the eligibility they handed to delegates ends with them
    notify(
        event="user.deactivated",
        recipients=users_in_group(Group.IT_SECURITY).exclude(pk=getattr(actor, "pk", None)),
        title=format_lazy(gettext_lazy("{person} was deactivated"), person=user.email),
        body=reason,
        target=user,
        data={"user": user.email},
    )
    return user


@transaction.atomic
def user_reactivate(*, actor: User | None, user: User, reason: str = "") -> User:
    """Let a person sign in again. What offboarding ended (channel access, grants, tokens) stays ended. ``actor``
    None is the system (the identity provider over SCIM)."""
    if actor is not None:
        ensure(permissions.can_deactivate_users(actor), _("Only IT security or administrators reactivate people."))
        permissions.ensure_mfa(actor)
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    audit.record(actor=actor, action="user.reactivated", target=user, data={"reason": reason} if reason else {})
    objects.bump_org()
    return user


def _valid_email(email: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            _("Not an e-mail address."), fields={"email": [_("Enter a valid e-mail address.")]}
        ) from None
    return email


@transaction.atomic
def user_provision(*, email: str, full_name: str = "", source: str) -> User:
    """Create a person the identity provider announced (``source`` says which door: SCIM and its token). The
    system acts: no password (they sign in with their provider or reset one), audited."""
    from allauth.account.models import EmailAddress

    email = _valid_email(email)
    if User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists():
        raise Conflict(_("Someone already signs in with that address."), code="uniqueness")
    user = User.objects.create_user(email=email, full_name=(full_name or "").strip()[:150])
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    audit.record(
        actor=None,
        action="user.created",
        target=user,
        data={"source": source, "values": audit.personal({"email": email, "full_name": user.full_name})},
    )
    return user


@transaction.atomic
def user_rename(*, actor: User | None, user: User, full_name: str, source: str = "") -> User:
    """Change the name a person is shown by (``actor`` None: the identity provider). Audited; a no-op is silent."""
    if actor is not None:
        ensure(actor.is_staff or permissions.is_it_security(actor), _("Only administrators rename people."))
    full_name = (full_name or "").strip()[:150]
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    if user.full_name == full_name:
        return user
    before = user.full_name
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    audit.record(
        actor=actor,
        action="user.changed",
        target=user,
        data={"changed": ["full_name"], "source": source, "values": audit.personal({"from": before, "to": full_name})},
    )
    return user


@transaction.atomic
def user_language_set(*, actor: User, user: User, language: str) -> User:
    """Set the language of a person's pages, e-mails and chat messages ("" : their browser's). Only they choose it.
    Audited; a no-op is silent."""
    ensure(actor.pk == user.pk, _("Only the person themself chooses their language."))
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput(
            _("Choose one of the languages offered."), fields={"language": [_("Not a language socialgov speaks.")]}
        )
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    if user.language == language:
        return user
    before = user.language
    user.language = language
    user.save(update_fields=["language"])
    audit.record(actor=actor, action="user.language_changed", target=user, data={"from": before, "to": language})
    objects.bump_person(user.pk)  # what is kept for them (their gates' messages) was said in the old language
    return user


@transaction.atomic
def user_admin_save(*, actor: User, user: User, changed: list[str], creating: bool) -> User:
    """Save a person edited by an administrator; the password itself is never logged. A changed sign-in address
    goes through ``user_email_change`` (audited, both addresses told, allauth's address kept in step)."""
    ensure(actor.is_staff, _("Only administrators edit people."))
    new_email = user.email.lower()
    if not creating and "email" in changed:
        user.email = User.objects.filter(pk=user.pk).values_list("email", flat=True).get()
    else:
        user.email = new_email
    user.save()
    if not creating and "email" in changed:
        user_email_change(actor=actor, user=user, email=new_email)
        changed = [f for f in changed if f != "email"]
        if not changed:
            return user
    safe = [f for f in changed if f not in ("password", "password1", "password2")]
    audit.record(
        actor=actor,
        action="user.created" if creating else "user.changed",
        target=user,
        data={
            "changed": sorted(changed),
            "values": audit.personal(
                {f: getattr(user, f) for f in safe if f in ("email", "full_name", "is_staff", "is_superuser")}
            ),
        },
    )
    return user


def _tell_old_address(address: str, user: User, new: str) -> None:
    """The address a person no longer signs in with is told once, on commit (it receives nothing else)."""
    from django.core.mail import send_mail

    def send() -> None:
        with translation.override(user.language or settings.LANGUAGE_CODE):  # the person's language, not the actor's
            subject = _("Your sign-in address was changed")
            body = _(
                "The socialgov account that signed in as %(old)s now signs in as %(new)s.\n"
                "If you did not ask for this, tell IT security at once."
            ) % {"old": address, "new": new}
        send_mail(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body, None, [address], fail_silently=True)

    transaction.on_commit(send, robust=True)


@transaction.atomic
def user_email_change(*, actor: User | None, user: User, email: str) -> User:
    """Change a person's sign-in address (an administrator or IT security, from the admin). ``User.email`` and
    allauth's primary address change together: the old address no longer signs in, the new one is verified at the
    next sign-in. Audited; the old and the new address are both told."""
    from allauth.account.models import EmailAddress

    if actor is not None:  # None: the identity provider (SCIM)
        ensure(actor.is_staff or permissions.is_it_security(actor), _("Only administrators change sign-in addresses."))
        permissions.ensure_mfa(actor)
    email = _valid_email(email)
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    old = user.email
    if old == email:
        return user
    taken = User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    if taken or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists():
        raise InvalidInput(_("That address is taken."), fields={"email": [_("Someone else signs in with it.")]})
    user.email = email
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).delete()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"primary": True, "verified": actor is None or actor.pk == user.pk}
    )
    audit.record(actor=actor, action="user.email_changed", target=user, data={"from": old, "to": email})
    notify(
        event="user.email_changed",
        recipients=[user],
        title=gettext_lazy("Your sign-in address was changed"),
        body=format_lazy(
            gettext_lazy("You now sign in as {new} (it was {old}). If you did not ask for this, tell IT security."),
            new=email,
            old=old,
        ),
        target=user,
        data={"from": old, "to": email},
    )
    _tell_old_address(old, user, email)
    return user


def user_email_changed(*, user: User, before: str | None, after: str) -> None:
    """Audit a person's change of their own primary e-mail address (allauth's e-mail page: the ``email_changed``
    signal, after it saved ``User.email``). The address names the person wherever a page or the API shows them
    (post authors, actors)."""
    if before == after:
        return
    audit.record(
        actor=user,
        action="user.email_changed",
        target=user,
        data={"from": audit.personal(before or ""), "to": audit.personal(after)},
    )
    if before:
        _tell_old_address(before, user, after)


def user_sign_in_changed(*, user: User, action: str, data: dict | None = None) -> None:
    """Audit a change a person made to their own sign-in on allauth's pages (password set, changed or reset, an
    address added or removed, a second factor added or removed): allauth's signals, after it saved the change."""
    audit.record(actor=user, action=action, target=user, data=data or {})


@transaction.atomic
def authenticator_remove(*, actor: User, authenticator) -> None:
    """Remove a person's second factor (a lost phone, a lost key) so they enrol again at their next sign-in. Not
    one's own (the two-factor page does that, after reauthentication); audited; the person is told."""
    from allauth.mfa.models import Authenticator

    ensure(actor.is_staff or permissions.is_it_security(actor), _("Only IT security or administrators do this."))
    permissions.ensure_mfa(actor)
    authenticator = (
        Authenticator.objects.select_for_update(of=("self",)).select_related("user").get(pk=authenticator.pk)
    )
    user = authenticator.user
    ensure(user.pk != actor.pk, _("Remove your own second factor on your two-factor page."))
    kind = authenticator.type
    authenticator.delete()
    remaining = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    if remaining <= {Authenticator.Type.RECOVERY_CODES}:
        Authenticator.objects.filter(user=user).delete()  # recovery codes alone are no second factor
    audit.record(actor=actor, action="user.authenticator_removed", target=user, data={"type": kind})
    notify(
        event="user.authenticator_removed",
        recipients=[user],
        title=gettext_lazy("Your second factor was removed"),
        body=format_lazy(
            gettext_lazy("IT removed your {kind} second factor: you enrol again at your next sign-in."), kind=kind
        ),
        target=user,
        data={"type": kind},
    )


@transaction.atomic
def session_end(*, actor: User, session) -> None:
    """End one of a person's sessions (allauth's ``UserSession``): audited."""
    from allauth.usersessions.models import UserSession

    ensure(actor.is_staff or permissions.is_it_security(actor), _("Only IT security or administrators do this."))
    session = UserSession.objects.select_related("user").get(pk=session.pk)
    user = session.user
    session.end()
    transaction.on_commit(functools.partial(_forget_sessions, [session.session_key]), robust=True)
    audit.record(
        actor=actor,
        action="user.session_ended",
        target=user,
        data={"ip": audit.personal(session.ip), "created_at": session.created_at},
    )


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


# --- Departments and memberships -------------------------------------------------------


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
ROLE_GROUP_NAMES = {
    Group.COMMUNICATIONS: gettext_lazy("Communications"),
    Group.IT_SECURITY: gettext_lazy("IT security"),
    Group.AUDITOR: gettext_lazy("Auditor"),
    Group.COMPLIANCE: gettext_lazy("Compliance"),
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
