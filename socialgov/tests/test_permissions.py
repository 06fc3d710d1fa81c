"""The permission table: every route of ours, for every role, with the status it must answer.

The project's own rows are in permissions.py; each app's in ``<app>/tests/permissions.py``
(``socialgov.testing.permissions.all_tables`` finds them). A route missing from every table fails
``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from socialgov.testing.permissions import AUDITOR_OWN_WRITES, ROLES, WRITE_METHODS, all_routes, table_tests
from socialgov.tests.permissions import ROUTES

globals().update(table_tests(ROUTES))

# Routes served by libraries (allauth, the admin's own pages, DRF's format suffixes) are tested by them;
# the admin index's row proves the admin sits behind our sign-in.
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


def test_every_route_is_in_the_table():
    covered = {r.name for r in all_routes()}
    missing = our_route_names() - covered
    assert not missing, f"Add these routes to the permission table: {sorted(missing)}"


def test_every_row_names_every_role():
    for route in all_routes():
        assert set(route.expect) == set(ROLES), (route.name, route.method)


def test_the_auditor_changes_nothing():
    """Every write in every table answers the auditor 403 (or 404 outside scope; 401 where a session is no
    credential, as on SCIM), pages and API,
    except the auditor's own personal settings."""
    allowed = []
    for route in all_routes():
        if route.method in WRITE_METHODS and route.expect["auditor"] not in (401, 403, 404):
            allowed.append((route.name, route.method))
    assert set(allowed) - AUDITOR_OWN_WRITES == set(), "writes the auditor may make"
    assert AUDITOR_OWN_WRITES - set(allowed) == set(), "stale exceptions: remove them"


def test_every_api_operation_is_in_the_table():
    """Every method of every path in the OpenAPI schema has a row (a POST beside a GET is another row)."""
    from socialgov.testing.hostile import openapi, operation_for, url_shape

    covered = {(r.method, operation_for(r.method, url_shape(r))) for r in all_routes() if r.api}
    served = {
        (method, path)
        for path, operations in openapi()["paths"].items()
        for method in operations
        if method in {"get", *WRITE_METHODS}
    }
    missing = served - covered
    assert missing == set(), f"Add rows for these operations: {sorted(missing)}"
