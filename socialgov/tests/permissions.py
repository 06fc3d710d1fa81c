"""The project's own rows of the permission table (the dashboard, profile, notifications, audit, pickers and the
API's root and schema), and the objects their URLs point at."""

from __future__ import annotations

import pytest

from accounts.services import token_create
from notifications.models import Notification
from socialgov.pickers import KINDS_REGISTERED as KINDS
from socialgov.testing.permissions import Route, audit_readers, page

ROUTES: list[Route] = [
    Route("dashboard", "get", lambda o: "/", page()),
    Route("healthz", "get", lambda o: "/healthz", page(anon=200)),
    Route("readyz", "get", lambda o: "/readyz", page(anon=200)),
    Route("favicon", "get", lambda o: "/favicon.ico", page(ok=301, anon=301)),
    # Django's set_language (the signed-out language switch): anyone, signed in or not, back where they were
    Route("set_language", "post", lambda o: "/i18n/setlang/", page(ok=302, anon=302), data={"language": "fr"}),
    Route("accounts:profile", "get", lambda o: "/profile/", page()),
    Route(
        "accounts:profile", "post", lambda o: "/profile/", page(ok=302), data={"name": "t", "scope": "read", "days": 5}
    ),
    # one's own language, whoever one is (accounts.services.user_language_set)
    Route("accounts:language", "post", lambda o: "/profile/language/", page(ok=302), data={"language": "de"}),
    # someone else's token: 404 for everyone (it is the employee's own only)
    Route(
        "accounts:token_revoke",
        "post",
        lambda o: f"/profile/tokens/{o['token'].pk}/revoke/",
        page(ok=404, employee=302),
    ),
    Route("notifications:list", "get", lambda o: "/notifications/", page()),
    Route(
        "notifications:mark_read",
        "post",
        lambda o: f"/notifications/{o['notification'].pk}/read/",
        page(ok=404, employee=302),
    ),
    Route("notifications:mark_all_read", "post", lambda o: "/notifications/read-all/", page(ok=302)),
    Route(
        "notifications:preferences",
        "post",
        lambda o: "/notifications/preferences/",
        page(ok=302),
        data={"email_mode": "digest"},
    ),
    Route("audit:list", "get", lambda o: "/audit/", audit_readers()),
    Route("audit:export", "get", lambda o: "/audit/export.csv", audit_readers()),
    # the checkpoints' public key: public, signed in or not
    Route("audit:public_key", "get", lambda o: "/audit/checkpoints/public-key.pem", page(anon=200)),
    Route("admin:index", "get", lambda o: "/admin/", page(ok=302, superuser=200)),
    # the pickers' searches (socialgov/pickers.py): every signed-in person, each within their own scope
    # (socialgov/tests/test_pickers.py checks what each finds)
    *(Route("search", "get", lambda o, k=kind: f"/search/{k}/?q=a", page(), id=f"get-search-{kind}") for kind in KINDS),
    Route("search", "get", lambda o: "/search/spaceship/?q=a", page(ok=404), id="get-search-unknown"),
    # API
    Route("me", "get", lambda o: "/api/v1/me/", page(anon=401), api=True),
    Route("notification-list", "get", lambda o: "/api/v1/notifications/", page(anon=401), api=True),
    Route(
        "notification-detail",
        "get",
        lambda o: f"/api/v1/notifications/{o['notification'].pk}/",
        page(ok=404, anon=401, employee=200),
        api=True,
    ),
    Route(
        "notification-read",
        "post",
        lambda o: f"/api/v1/notifications/{o['notification'].pk}/read/",
        page(ok=404, anon=401, employee=200),
        api=True,
    ),
    Route("notification-read-all", "post", lambda o: "/api/v1/notifications/read-all/", page(anon=401), api=True),
    Route("auditevent-list", "get", lambda o: "/api/v1/audit-events/", audit_readers(anon=401), api=True),
    Route(
        "auditevent-detail",
        "get",
        lambda o: f"/api/v1/audit-events/{o['event'].pk}/",
        audit_readers(anon=401),
        api=True,
    ),
    Route("api-root", "get", lambda o: "/api/v1/", page(anon=401), api=True),
    Route("schema", "get", lambda o: "/api/schema/", page(anon=401), api=True),
    Route("api-docs", "get", lambda o: "/api/docs/", page(anon=401), api=True),
    Route("api-redoc", "get", lambda o: "/api/redoc/", page(anon=401), api=True),
]


@pytest.fixture
def objects(employee, auditor):
    from audit import services as audit

    token, _ = token_create(actor=employee, name="mine", scope="read")
    return {
        "token": token,
        "notification": Notification.objects.create(recipient=employee, event="x", title="employee's"),
        "event": audit.record(actor=employee, action="x.y", target=employee),
    }
