"""What the kit reads off a request."""

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied


def client_ip(request) -> str | None:
    """The client's address, as allauth's rate limits read it: the one everything else keys on too.

    ``TRUSTED_PROXY_COUNT`` (allauth's ``ALLAUTH_TRUSTED_PROXY_COUNT``) proxies in front append to
    ``X-Forwarded-For``: the address that many entries from the right is the client's. With none trusted (the
    default) the header is ignored and the connection's address is the client's. A header shorter than the
    trusted count (a client talking to an inner proxy directly) counts as that connection's address.
    """
    cached = getattr(request, "_socialgov_client_ip", None)
    if cached is None:
        try:
            cached = get_adapter(request).get_client_ip(request)
        except (ImproperlyConfigured, PermissionDenied):
            cached = request.META.get("REMOTE_ADDR") or ""
        request._socialgov_client_ip = cached
    return cached or None
