"""The permission table: every route of ours, for every role, with the status it must answer.

A route missing from the table fails ``test_every_route_is_in_the_table``. Later
capabilities add their rows to ROUTES (or to a table of their own that the
coverage test also reads).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.services import token_create
from notifications.models import Notification
from socialgov.pickers import KINDS_REGISTERED as KINDS
from socialgov.testing.hostile import assert_takes_no_form_post, read_only_pages, walk, walkable
from socialgov.testing.permissions import (
    AUDITOR_OWN_WRITES,
    ROLES,
    WRITE_METHODS,
    Route,
    audit_readers,
    cases,
    check,
    page,
)

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

# Routes served by libraries (allauth, the admin's own pages, DRF's format suffixes) are tested by them;
# the admin index above proves the admin sits behind our sign-in.
THIRD_PARTY_NAMESPACES = {"admin", "usersessions", "mfa"}
# allauth's OIDC and SAML routes are driven end to end by sso/tests/test_*_browser.py.
THIRD_PARTY_PREFIXES = (
    "account_",
    "mfa_",
    "usersessions_",
    "socialaccount_",
    "openid_connect_",
    "saml_",
    "django_celery_beat",
)


def our_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or ""
                walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return {
        n
        for n in names
        if n.split(":")[0] not in THIRD_PARTY_NAMESPACES
        and not n.startswith(THIRD_PARTY_PREFIXES)
        and not n.endswith(("_redirect",))
    }


def all_tables() -> list[Any]:
    """This table, and the apps' own (each runs its own parametrized test)."""
    from accounts.tests.routes import MEMBER_ROUTES
    from approvals.tests.permission_table import ROWS as APPROVALS
    from channels_registry.tests.test_permission_table import ROUTES as REGISTRY
    from notifications.tests.routes import CHAT_ROUTES
    from policies.tests.routes import POLICY_ROUTES
    from records.tests.routes import RECORD_ROUTES
    from reports.tests.routes import REPORT_ROUTES
    from scim.tests.routes import SCIM_PAGE_ROUTES, SCIM_ROUTES
    from sso.tests.routes import SSO_ROUTES

    return [
        *ROUTES,
        *MEMBER_ROUTES,
        *CHAT_ROUTES,
        *POLICY_ROUTES,
        *REGISTRY,
        *APPROVALS,
        *REPORT_ROUTES,
        *RECORD_ROUTES,
        *SSO_ROUTES,
        *SCIM_ROUTES,
        *SCIM_PAGE_ROUTES,
    ]


def test_every_route_is_in_the_table():
    covered = {r.name for r in all_tables()}
    missing = our_route_names() - covered
    assert not missing, f"Add these routes to the permission table: {sorted(missing)}"


def test_every_row_names_every_role():
    for route in all_tables():
        assert set(route.expect) == set(ROLES), (route.name, route.method)


def test_the_auditor_changes_nothing():
    """Every write in every table answers the auditor 403 (or 404 outside scope; 401 where a session is no
    credential, as on SCIM), pages and API,
    except the auditor's own personal settings."""
    allowed = []
    for route in all_tables():
        if route.method in WRITE_METHODS and route.expect["auditor"] not in (401, 403, 404):
            allowed.append((route.name, route.method))
    assert set(allowed) - AUDITOR_OWN_WRITES == set(), "writes the auditor may make"
    assert AUDITOR_OWN_WRITES - set(allowed) == set(), "stale exceptions: remove them"


@pytest.fixture
def objects(employee, auditor):
    from audit import services as audit

    token, _ = token_create(actor=employee, name="mine", scope="read")
    return {
        "token": token,
        "notification": Notification.objects.create(recipient=employee, event="x", title="employee's"),
        "event": audit.record(actor=employee, action="x.y", target=employee),
    }


@pytest.mark.parametrize(("route", "role"), cases(ROUTES))
def test_permission_table(route, role, objects, request):
    check(route, role, objects, request=request)


@pytest.mark.parametrize("route", walkable(ROUTES))
def test_hostile_text_is_refused_or_kept_escaped(route, objects, request):
    walk(route, objects, request=request)


@pytest.mark.parametrize("route", read_only_pages(ROUTES))
def test_a_page_with_only_a_get_row_takes_no_form_post(route, objects, request):
    assert_takes_no_form_post(route, objects, request=request)


def test_every_api_operation_is_in_the_table():
    """Every method of every path in the OpenAPI schema has a row (a POST beside a GET is another row)."""
    from socialgov.testing.hostile import openapi, operation_for, url_shape

    covered = {(r.method, operation_for(r.method, url_shape(r))) for r in all_tables() if r.api}
    served = {
        (method, path)
        for path, operations in openapi()["paths"].items()
        for method in operations
        if method in {"get", *WRITE_METHODS}
    }
    missing = served - covered
    assert missing == set(), f"Add rows for these operations: {sorted(missing)}"
