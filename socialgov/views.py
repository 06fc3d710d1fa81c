import logging
import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache

from accounts.choices import Role
from accounts.permissions import membership_rows
from notifications.selectors import recent_unread
from policies import selectors as policy_selectors
from reports.dashboard import cards_for
from socialgov.celery import app as celery_app

log = logging.getLogger(__name__)
ROLES = dict(Role.choices)


@login_required
def dashboard(request):
    """“My work”: what waits for this person, by role (reports/dashboard.py), their departments, the policies and
    training they still owe, and their newest unread notifications."""
    user = request.user
    pending, training = policy_selectors.requirements_of(user)
    context = {
        **cards_for(user),
        # the memberships the permission checks read anyway (one query for both), as the card shows them
        "memberships": [
            {"department": name, "role": ROLES.get(role, role), "pk": pk, "manages": role == "manager"}
            for pk, name, role in membership_rows(user)
        ],
        "pending": pending,
        "training": training,
        "count": len(pending) + len(training),
        "recent": recent_unread(user),
    }
    return render(request, "dashboard.html", context)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links; send them to the icon every page names."""
    return redirect(static("img/favicon.svg"), permanent=True)


@never_cache
def healthz(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """The process can do work: the database and the broker answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report, never raise
        log.warning("readyz: database: %s", exc)
        checks["database"] = "unavailable"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        log.warning("readyz: broker: %s", exc)
        checks["broker"] = "unavailable"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)


# --- Error pages: the API answers in its own JSON format, pages in HTML -------------------


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _api_error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request, exception=None):
    if _api(request):
        return _api_error(400, _("Bad request."), "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _api(request):
        return _api_error(403, _("You do not have permission to perform this action."), "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if _api(request):
        return _api_error(404, _("Not found."), "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500, except when the database is away (restarting, connection dropped): 503, try again."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        if _api(request):
            response = _api_error(503, _("The database is unavailable: try again shortly."), "unavailable")
        else:
            # no request context: the context processors would query the database again
            response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
        return response
    if _api(request):
        return _api_error(500, _("Server error."), "server_error")
    return defaults.server_error(request)
