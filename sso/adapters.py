"""allauth's social account adapter: who may sign in through which provider, and what a first sign-in creates."""

from __future__ import annotations

import hmac

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from django.db import transaction

from sso import services
from sso.selectors import domain_of, route_for_email

REFUSED = {
    "foreign_domain": "This identity provider does not sign in people of that e-mail domain.",
    "no_email": "The identity provider sent no e-mail address.",
    "nonce": "The identity provider's answer does not belong to this sign-in (its nonce does not match).",
}


def _email(sociallogin) -> str:
    addresses = [a.email for a in sociallogin.email_addresses if a.email]
    return (addresses[0] if addresses else getattr(sociallogin.user, "email", "") or "").lower()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def _refuse(self, request, sociallogin, code: str):
        raise ImmediateHttpResponse(
            render_authentication_error(
                request, sociallogin.provider, extra_context={"sso_reason": REFUSED[code], "sso_code": code}
            )
        )

    def pre_social_login(self, request, sociallogin):
        provider = sociallogin.provider
        if provider.id == "openid_connect":
            expected = sociallogin.state.get("nonce") or ""
            got = str((sociallogin.account.extra_data.get("id_token") or {}).get("nonce") or "")
            if not expected or not hmac.compare_digest(expected, got):
                self._refuse(request, sociallogin, "nonce")
        email = _email(sociallogin)
        if not email:
            self._refuse(request, sociallogin, "no_email")
        route = route_for_email(email)
        if route is None or route.app_id != provider.app.pk:
            self._refuse(request, sociallogin, "foreign_domain")

    def is_open_for_signup(self, request, sociallogin):
        route = route_for_email(_email(sociallogin))
        return route is not None and route.app_id == sociallogin.provider.app.pk and route.create_accounts

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        user.full_name = (name or "")[:150]
        user.email = (user.email or "").lower()
        return user

    def save_user(self, request, sociallogin, form=None):
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            services.sso_account_created(
                user=user, app=sociallogin.provider.app, extra_data=sociallogin.account.extra_data
            )
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        extra_context = extra_context or {}
        reason = extra_context.get("sso_reason") or extra_context.get("saml_last_error_reason") or ""
        if not reason:
            reason = f"{error or 'error'}: {exception}" if exception else str(error or "unknown")
        if "state_id" in extra_context and not extra_context.get("sso_reason") and exception is None:
            reason = "The answer does not belong to a sign-in started here (unknown state)."
        extra_context.setdefault("sso_reason", reason)
        app = getattr(provider, "app", None)
        services.sso_sign_in_refused(app=app, reason=str(reason), domain="")
        super().on_authentication_error(request, provider, error, exception, extra_context)


__all__ = ["SocialAccountAdapter", "domain_of"]
