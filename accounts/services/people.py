"""People: provisioned, renamed, deactivated and reactivated, their language, the admin's edits."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.choices import Group
from accounts.models import ApiToken, User
from accounts.selectors import users_in_group
from accounts.services.signin import _end_sessions, _valid_email, user_email_change
from audit import services as audit
from core import objects
from core.errors import Conflict, InvalidInput, ensure
from notifications.services import notify


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
