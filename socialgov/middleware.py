import logging
import re
import time
import uuid

import structlog
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject, empty

from audit import context
from core.http import client_ip

request_log = logging.getLogger("socialgov.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Give every request an id (kept from ``X-Request-ID`` when well formed) and note the client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        ip = client_ip(request)
        request.request_id = request_id
        rid_token = context.request_id.set(request_id)
        ip_token = context.client_ip.set(ip)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(rid_token)
            context.client_ip.reset(ip_token)
        response["X-Request-ID"] = request_id
        if request_log.isEnabledFor(logging.INFO):
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            request_log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "person_id": _person_id(request),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "ip": ip,
                },
            )
        structlog.contextvars.clear_contextvars()
        return response


def _person_id(request) -> int | None:
    """The signed-in person's id, if the request has read who it is (never a lookup for the log's sake)."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user.pk if user is not None and user.is_authenticated else None


SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"


def session_start(session) -> None:
    """Note the sign-in time (for the absolute cap) and the last activity in a new session."""
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


class SessionLifetimeMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT idle and SESSION_ABSOLUTE_TIMEOUT after sign-in.

    SESSION_COOKIE_AGE is the idle timeout; it slides forward whenever the session is written,
    which this does at most once every SESSION_REFRESH_INTERVAL seconds, so a page does not
    cost a session write.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            session = request.session
            now = int(time.time())
            signed_in_at = session.get(SIGNED_IN_AT)
            if signed_in_at is None:
                session_start(session)
            elif now - signed_in_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
            elif now - session.get(SEEN_AT, 0) >= settings.SESSION_REFRESH_INTERVAL:
                session[SEEN_AT] = now  # saving moves the expiry SESSION_COOKIE_AGE ahead
        return self.get_response(request)


@receiver(user_logged_in)
def _note_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_start(request.session)


class ProbeMiddleware:
    """Answer the load balancer's probes (``/healthz``, ``/readyz``) before anything looks at the request.

    Load balancers and Kubernetes probe over plain HTTP by the machine's address: first in the chain, these two
    paths (and nothing else) skip the HTTPS redirect (SecurityMiddleware) and the ``ALLOWED_HOSTS`` check (which
    runs when something asks for the host), so a probe gets 200 rather than a 301 or a 400 with a logged
    ``DisallowedHost``. Everything else goes on as before.
    """

    def __init__(self, get_response):
        from socialgov import views

        self.get_response = get_response
        self.probes = {"/healthz": views.healthz, "/readyz": views.readyz}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
