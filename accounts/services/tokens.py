"""Personal API tokens: created, authenticated, revoked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.choices import TokenScope
from accounts.models import ApiToken, User
from accounts.selectors import group_names_from, token_with_user
from audit import services as audit
from core.errors import Conflict, InvalidInput, ensure

TOKEN_PREFIX = "sg"


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
