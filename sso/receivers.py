"""Signal receivers: each calls a service (no logic of its own)."""

from __future__ import annotations

from accounts.permissions import IDP_MFA_SESSION_KEY
from sso import services
from sso.claims import second_factor_asserted


def signed_in(sender, request, user, sociallogin=None, **kwargs):
    """allauth signed someone in. Through a provider: on the record, and whether it asserted a second factor is
    kept on the session for socialgov's second-factor rule. Any other way: no provider's second factor counts."""
    session = getattr(request, "session", None)
    if sociallogin is None:
        if session is not None:
            session.pop(IDP_MFA_SESSION_KEY, None)
        return
    app = sociallogin.provider.app
    asserted = second_factor_asserted(app.provider, app.settings or {}, sociallogin.account.extra_data or {})
    if session is not None:
        session[IDP_MFA_SESSION_KEY] = asserted
    services.sso_signed_in(user=user, app=app, second_factor=asserted)
