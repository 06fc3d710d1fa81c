"""Reads for single sign-on: the provider of an e-mail's domain, the mapping, the pages' lists."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp

from sso.models import ClaimRule, SsoDomain

PROTOCOLS = ("openid_connect", "saml")


def domain_of(email: str | None) -> str:
    return (email or "").rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""


def route_for_email(email: str | None) -> SsoDomain | None:
    """The SSO domain (with its provider) that ``email`` signs in through, or None (a password)."""
    domain = domain_of(email)
    if not domain:
        return None
    return SsoDomain.objects.select_related("app").filter(domain=domain).first()


def providers() -> list[SocialApp]:
    """Every OIDC and SAML provider, with its domains and claim rules (three queries)."""
    return list(
        SocialApp.objects.filter(provider__in=PROTOCOLS)
        .prefetch_related("sso_domains", "claim_rules__department")
        .order_by("name", "pk")
    )


def provider(pk: int) -> SocialApp:
    return (
        SocialApp.objects.filter(provider__in=PROTOCOLS)
        .prefetch_related("sso_domains", "claim_rules__department")
        .get(pk=pk)
    )


def rules_of(app: SocialApp) -> list[ClaimRule]:
    return list(ClaimRule.objects.filter(app=app).select_related("department"))


def _origin(url: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def idp_origins() -> list[str]:
    """Where the sign-in pages' forms may lead: every provider's issuer, sign-in and metadata origins."""
    origins: set[str] = set()
    for settings in SocialApp.objects.filter(provider__in=PROTOCOLS).values_list("settings", flat=True):
        settings = settings or {}
        idp = settings.get("idp") or {}
        overrides = settings.get("openid_configuration_overrides") or {}
        for url in (
            settings.get("server_url"),
            idp.get("sso_url"),
            idp.get("metadata_url"),
            overrides.get("authorization_endpoint"),
        ):
            origin = _origin(url) if isinstance(url, str) else None
            if origin:
                origins.add(origin)
    return sorted(origins)
