"""Validate and normalise what people type as a handle or an account URL for a platform."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from policies.models import Platform


def _has_control_characters(text: str) -> bool:
    """NUL and other control characters, and invisible format characters (RTL overrides, zero-width)."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text)


def normalise_handle(platform: Platform, raw: str, *, field: str = "handle") -> str:
    handle = (raw or "").strip()
    if _has_control_characters(handle):
        message = _("A handle cannot contain control or invisible characters.")
        raise InvalidInput(message, fields={field: [message]})
    if platform.strip_prefix and handle.startswith(platform.strip_prefix):
        handle = handle[len(platform.strip_prefix) :]
    if platform.case_insensitive:
        handle = handle.lower()
    if not handle or not re.fullmatch(platform.handle_pattern, handle):
        values = {"handle": raw.strip()[:80], "platform": platform.name, "hint": platform.handle_hint}
        if platform.handle_hint:
            message = _("“%(handle)s” is not a valid %(platform)s handle. Expected %(hint)s.") % values
        else:
            message = _("“%(handle)s” is not a valid %(platform)s handle.") % values
        raise InvalidInput(message, fields={field: [message]})
    return handle


def normalise_url(platform: Platform | None, raw: str, *, field: str = "url") -> str:
    """An http(s) URL, on one of the platform's hosts when it names some."""
    url = (raw or "").strip()
    message = _("Enter a web address starting with https:// (or http://).")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port out of range or not a number
    except ValueError:
        raise InvalidInput(message, fields={field: [message]}) from None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in url)
        or _has_control_characters(url)
    ):
        raise InvalidInput(message, fields={field: [message]})
    host = parts.hostname.lower()
    hosts = platform.hosts if platform is not None else []
    if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
        message = _("A %(platform)s address is on %(hosts)s, not %(host)s.") % {
            "platform": platform.name,
            "hosts": ", ".join(hosts),
            "host": host,
        }
        raise InvalidInput(message, fields={field: [message]})
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets, or the address no longer parses
    netloc = host + (f":{port}" if port else "")
    return parts._replace(scheme=parts.scheme.lower(), netloc=netloc).geturl()
