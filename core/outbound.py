"""Where socialgov may send requests: the outbound address guard (webhooks, and every later outbound fetch).

A URL someone configures (a webhook endpoint) must not turn the server into a way into the company's own network:
loopback, link-local (cloud metadata at 169.254.169.254), private, multicast, reserved and unspecified addresses
are refused, unless ``OUTBOUND_ALLOWED_NETWORKS`` names the network (tests, on-premises receivers). Check a URL
when it is saved (``check_url``: a form error or a 400 with the reason) and again just before each request, after
resolving the name then (a name that later resolves inward is caught). Callers do not follow redirects.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(ValueError):
    """The URL may not be reached; the message says why (fit for a form error or a stored attempt)."""


def _kind(ip: Address) -> str | None:
    """What makes ``ip`` internal, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _kind(ip.ipv4_mapped)
    for kind, inward in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private or not ip.is_global),
    ):
        if inward:
            return kind
    return None


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.OUTBOUND_ALLOWED_NETWORKS]


def _refused_kind(ip: Address) -> str | None:
    """What makes ``ip`` internal when no allowed network holds it; None when socialgov may reach it."""
    kind = _kind(ip)
    if kind is None or any(ip in network for network in allowed_networks() if ip.version == network.version):
        return None
    return kind


def address_refusal(ip: Address) -> str | None:
    """Why socialgov sends nothing to ``ip`` (e.g. "a private address"), or None when it may."""
    kind = _refused_kind(ip)
    return f"a {kind} address" if kind else None


# The refusal of an inward address, one whole sentence per kind of address (word order differs between languages)
REFUSED = {
    "loopback": gettext_lazy(
        "%(host)s is a loopback address: socialgov sends nothing inside its own network unless"
        " OUTBOUND_ALLOWED_NETWORKS names the network."
    ),
    "link-local": gettext_lazy(
        "%(host)s is a link-local address: socialgov sends nothing inside its own network unless"
        " OUTBOUND_ALLOWED_NETWORKS names the network."
    ),
    "multicast": gettext_lazy(
        "%(host)s is a multicast address: socialgov sends nothing inside its own network unless"
        " OUTBOUND_ALLOWED_NETWORKS names the network."
    ),
    "unspecified": gettext_lazy(
        "%(host)s is a unspecified address: socialgov sends nothing inside its own network unless"
        " OUTBOUND_ALLOWED_NETWORKS names the network."
    ),
    "reserved": gettext_lazy(
        "%(host)s is a reserved address: socialgov sends nothing inside its own network unless"
        " OUTBOUND_ALLOWED_NETWORKS names the network."
    ),
    "private": gettext_lazy(
        "%(host)s is a private address: socialgov sends nothing inside its own network unless"
        " OUTBOUND_ALLOWED_NETWORKS names the network."
    ),
}


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` stands for now (an address literal stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(_("%(host)s does not resolve (%(error)s).") % {"host": host, "error": exc}) from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))


def check_url(url: str, *, unresolved_ok: bool = False) -> list[Address]:
    """The addresses ``url`` reaches, all public or allowed; else ``OutboundRefused`` with the reason.

    ``unresolved_ok`` (on save): a name that does not resolve yet passes, with no addresses; the check before each
    request, which resolves again, refuses it then if it still does not or resolves inward.
    """
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused(_("Not a valid URL: %(error)s.") % {"error": exc}) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(_("Only http:// and https:// URLs with a host name are allowed."))
    host = parts.hostname
    try:
        addresses = resolve(host, port)
    except OutboundRefused:
        if unresolved_ok:
            return []
        raise
    for ip in addresses:
        kind = _refused_kind(ip)
        if kind:
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise OutboundRefused(str(REFUSED[kind] % {"host": shown}))
    return addresses


def get(url: str, *, timeout, max_redirects: int = 5, **kwargs) -> requests.Response:
    """``requests.get`` that follows redirects itself, each address through ``check_url`` first.

    Raises ``OutboundRefused`` for a refused hop and ``requests.TooManyRedirects`` past ``max_redirects``.
    """
    for _hop in range(max_redirects + 1):
        check_url(url)
        response = requests.get(url, timeout=timeout, allow_redirects=False, **kwargs)
        if not response.is_redirect:
            return response
        location = response.headers.get("Location", "")
        response.close()
        url = urljoin(url, location)
    raise requests.TooManyRedirects(f"More than {max_redirects} redirects.")
