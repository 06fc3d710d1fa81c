"""A person's sign-in: their address, their second factor, their sessions."""

from __future__ import annotations

import functools
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import permissions
from accounts.models import User
from audit import services as audit
from core.errors import InvalidInput, ensure
from notifications.services import notify


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
