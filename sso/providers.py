"""allauth's OpenID Connect and SAML providers, with what company sign-in needs on top (settings
SOCIALACCOUNT_PROVIDERS[...]["provider_class"] puts these in their place; URLs and views stay allauth's).

- OIDC: a ``nonce`` in every authorization request, kept in the sign-in state and compared with the ID token's
  (``sso.adapters``); allauth sends none.
- SAML: every assertion id is consumed once (a replayed response is refused), and the response's
  AuthnContextClassRefs are kept for the second-factor rule.
- Both: an address is verified when its domain is one IT bound to this provider (the provider is the authority
  for it), and only then; an address of another domain is refused at sign-in.
"""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider, _pick_data
from allauth.socialaccount.providers.saml.provider import SAMLProvider

from sso.claims import AUTHN_CONTEXTS
from sso.selectors import route_for_email


def _bound_addresses(app, email: str | None) -> list[EmailAddress]:
    if not email:
        return []
    route = route_for_email(email)
    return [EmailAddress(email=email.lower(), verified=route is not None and route.app_id == app.pk, primary=True)]


class OidcProvider(OpenIDConnectProvider):
    package = "allauth.socialaccount.providers.openid_connect"

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params, nonce=nonce)
        return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs)

    def extract_email_addresses(self, data):
        return _bound_addresses(self.app, _pick_data(data).get("email"))


class SamlProvider(SAMLProvider):
    package = "allauth.socialaccount.providers.saml"

    def extract_extra_data(self, data):
        extra = dict(data.get_attributes())
        extra[AUTHN_CONTEXTS] = list(data.get_last_authn_contexts() or [])
        return extra

    def extract_email_addresses(self, data):
        return _bound_addresses(self.app, self._extract(data).get("email"))

    def sociallogin_from_response(self, request, response):
        from sso import services

        services.saml_assertion_consume(
            request=request,
            provider=self,
            assertion_id=response.get_last_assertion_id(),
            not_on_or_after=response.get_last_assertion_not_on_or_after(),
        )
        return super().sociallogin_from_response(request, response)
