"""Checks of what people type into a registration that are not about the platform."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _

# A vault reference names a vault and an item: ``vault://team/item``, ``op://Vault/Item``,
# ``keepass:Marketing/X`` ... never the secret itself.
VAULT_SCHEMES = (
    "vault",
    "op",
    "1password",
    "bitwarden",
    "keepass",
    "keeper",
    "lastpass",
    "cyberark",
    "azurekv",
    "awssm",
)
_VAULT_REF = re.compile(r"^(?P<scheme>[a-z0-9]+):(//)?(?P<path>[\w .@-]+(/[\w .@-]+)+)$", re.IGNORECASE)


# An item name is made of words, CamelCase or separated, a number only at the end of a part
# ("SocialMedia2024", "x-account", "Brand_Team.2"); a secret mixes digits and symbols into its words.
_WORD = r"(?:[A-Z]?[a-z]+|[A-Z]+(?![a-z]))"
_PART = rf"(?:{_WORD}+[0-9]*|[0-9]+)"
_ITEM_NAME = re.compile(rf"{_PART}(?:[ _.-]{_PART})*")


def _looks_like_secret(token: str) -> bool:
    classes = sum(bool(re.search(p, token)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    return len(token) >= 8 and classes >= 3 and not _ITEM_NAME.fullmatch(token)


def vault_reference_problem(value: str) -> str | None:
    value = (value or "").strip()
    schemes = ", ".join(f"{s}:" for s in VAULT_SCHEMES[:4])
    if not value:
        return _("Say where the credentials are kept: a vault reference such as vault://marketing/x-account.")
    match = _VAULT_REF.match(value)
    if not match or match.group("scheme").lower() not in VAULT_SCHEMES:
        return _(
            "Give a vault reference (%(schemes)s …) such as vault://marketing/x-account, never the password itself."
        ) % {"schemes": schemes}
    for part in re.split(r"[/ ]", match.group("path")):
        if _looks_like_secret(part):
            return _("This looks like a password. Store the password in the vault and give only its reference here.")
    return None


def corporate_domains(actor_email: str) -> list[str]:
    domains = [d.lower() for d in getattr(settings, "CORPORATE_EMAIL_DOMAINS", []) or []]
    if not domains:
        domains = list(getattr(settings, "SIGNUP_EMAIL_DOMAINS", []) or [])
    if not domains and "@" in actor_email:
        domains = [actor_email.rsplit("@", 1)[1].lower()]  # the registrant's own corporate domain
    return domains


def is_corporate_address(email: str, domains: list[str]) -> bool:
    domain = (email or "").rsplit("@", 1)[-1].lower()
    return "@" in (email or "") and any(domain == d or domain.endswith("." + d) for d in domains)
