import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.selectors import memberships_of
from notifications.selectors import notifications_for
from reports.dashboard import cards_for
from socialgov.celery import app as celery_app

log = logging.getLogger(__name__)


@login_required
def dashboard(request):
    """“My work”: what waits for this person, by role (reports/dashboard.py)."""
    return render(
        request,
        "dashboard.html",
        {
            "memberships": memberships_of(request.user),
            "recent": list(notifications_for(request.user).filter(read_at__isnull=True)[:5]),
            **cards_for(request.user),
        },
    )


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
