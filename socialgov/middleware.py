import re
import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from audit import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Give every request an id (kept from ``X-Request-ID`` when well formed) and note the client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        ip = request.META.get("REMOTE_ADDR")
        if getattr(settings, "USE_X_FORWARDED_FOR", False):
            forwarded = request.headers.get("X-Forwarded-For", "")
            if forwarded:
                ip = forwarded.split(",")[0].strip()
        request.request_id = request_id
        rid_token = context.request_id.set(request_id)
        ip_token = context.client_ip.set(ip)
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(rid_token)
            context.client_ip.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


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
