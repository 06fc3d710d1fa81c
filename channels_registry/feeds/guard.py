"""The outbound address guard for feed reading: one call, ``check_url``, before every request and redirect.

It resolves the host and refuses the URL when any address it resolves to is loopback, private, link-local,
multicast, reserved or unspecified (cloud metadata at 169.254.169.254 included), so a feed URL cannot make
the worker read the company's internal network. ``FEED_ALLOW_LOOPBACK`` (tests and local development only)
lets loopback through. (To be unified with the operator issue's guard for webhooks and identity providers.)
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(Exception):
    """The URL points somewhere socialgov does not read from."""


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return not settings.FEED_ALLOW_LOOPBACK
    return ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified


def check_url(url: str) -> None:
    """Refuse (AddressRefused) a URL that is not http(s), or whose host resolves to an internal address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("Only http and https addresses are read.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefused("The address has an invalid port.") from exc
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"The host {parts.hostname} does not resolve.") from exc
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if _refused(ip):
            raise AddressRefused(f"{parts.hostname} is an internal address ({ip}); socialgov reads only public feeds.")
