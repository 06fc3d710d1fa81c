"""What a provider said about a person, read the same way for OIDC and SAML."""

from __future__ import annotations

from typing import Any

# The SAML response's AuthnContextClassRefs, kept beside its attributes in the social account's extra data.
AUTHN_CONTEXTS = "socialgov:authn_contexts"
DEFAULT_MFA_AMR = ("mfa", "otp", "hwk")


def claims_of(provider_id: str, extra_data: dict[str, Any]) -> dict[str, Any]:
    """Claims (OIDC: the ID token's, then userinfo's) or attributes (SAML), by name."""
    if provider_id == "openid_connect":
        return {**(extra_data.get("id_token") or {}), **(extra_data.get("userinfo") or {})}
    return {k: v for k, v in extra_data.items() if k != AUTHN_CONTEXTS}


def values_of(claims: dict[str, Any], name: str) -> set[str]:
    """The claim's values, lower-cased: a string, a number or a list of them."""
    value = claims.get(name)
    if value is None:
        return set()
    items = value if isinstance(value, (list, tuple)) else [value]
    return {str(v).strip().lower() for v in items if isinstance(v, (str, int, float, bool))}


def second_factor_asserted(provider_id: str, settings: dict[str, Any], extra_data: dict[str, Any]) -> bool:
    """Did the provider assert a second factor at this sign-in? OIDC: the ID token's ``amr`` names one of the
    provider's ``mfa_amr`` values (default mfa, otp, hwk). SAML: an AuthnContextClassRef of the response is one of
    the provider's ``mfa_authn_contexts`` (none by default: a SAML provider asserts nothing unless IT says which)."""
    if provider_id == "openid_connect":
        amr = (extra_data.get("id_token") or {}).get("amr") or []
        wanted = {str(v).lower() for v in settings.get("mfa_amr", DEFAULT_MFA_AMR)}
        return isinstance(amr, list) and bool(wanted & {str(v).lower() for v in amr})
    contexts = set(extra_data.get(AUTHN_CONTEXTS) or [])
    return bool(contexts & set(settings.get("mfa_authn_contexts") or []))
