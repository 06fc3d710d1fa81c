"""The permission table's shared parts: the roles, the Route type, status helpers, the runner and the discovery.

Each app keeps its table in ``<app>/tests/permissions.py``: ``ROUTES`` (a list of ``Route``) and the fixture
``objects`` that builds what the rows' URLs point at (the app's ``tests/conftest.py`` re-exports it). Its
``tests/test_permissions.py`` runs the table with ``globals().update(table_tests(ROUTES))``. ``all_tables()``
finds every app's table; ``socialgov/tests/test_permissions.py`` fails when a URL the project serves is in none
of them, and the phone-layout and accessibility tests open the page rows of each.

A row names every role. Anonymous people are sent to sign in on pages (302) and refused by the
API (401) unless the row says otherwise; an object outside one's scope answers 404, an action one
may not take 403. The auditor reads everything and changes nothing: a write answers the auditor
403 (or 404 outside scope) unless the row is one of the auditor's own personal settings, named in
``AUDITOR_OWN_WRITES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings

ROLES = [
    "anonymous",
    "outsider",
    "employee",
    "reviewer",
    "manager",
    "communications",
    "it_security",
    "auditor",
    "superuser",
]
SIGNED_IN = ROLES[1:]
AUDIT_READERS = {"it_security", "auditor", "superuser"}
WRITE_METHODS = {"post", "put", "patch", "delete"}
# Writes that are the auditor's own business, like anyone's: their tokens, notifications and
# preferences, their own policy acknowledgements and training, their calendar feed, and the
# content check (a POST that stores nothing). Every other write answers the auditor 403 or 404.
AUDITOR_OWN_WRITES = {
    ("accounts:profile", "post"),  # create one's own API token
    ("accounts:language", "post"),  # choose one's own language
    ("set_language", "post"),  # Django's language cookie (the signed-out switch): nothing stored
    ("notifications:mark_all_read", "post"),
    ("notification-read-all", "post"),
    ("notifications:preferences", "post"),
    ("notifications:chat", "post"),  # one's own Slack or Teams channel
    ("policies:content_check", "post"),
    ("content-check", "post"),
    ("policies:course_detail", "post"),  # attest one's own training
    ("trainingcourse-complete", "post"),
    ("policies:policy_acknowledge", "post"),
    ("policy-acknowledge", "post"),
    ("reports:calendar_feed_create", "post"),
    ("reports:calendar_feed_revoke", "post"),
}


@dataclass
class Route:
    """One URL and method, and the status each role must get.

    ``url`` and a callable ``data`` receive the table's objects (whatever its ``objects`` fixture
    returns). ``expect`` may leave out ``anonymous``: 302 for a page, 401 for the API.
    """

    name: str  # URL name (namespace:name)
    method: str
    url: Callable[[Any], str]
    expect: dict[str, int]
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    api: bool = False
    id: str = ""

    def __post_init__(self):
        self.expect = {"anonymous": 401 if self.api else 302, **self.expect}
        missing = set(ROLES) - set(self.expect)
        assert not missing, f"{self.name} {self.method}: no expected status for {sorted(missing)}"
        self.id = self.id or f"{self.method}-{self.name}"

    def payload(self, objects: Any) -> dict[str, Any]:
        return self.data(objects) if callable(self.data) else self.data


def page(ok: int = 200, anon: int = 302, **overrides: int) -> dict[str, int]:
    """Every signed-in role gets ``ok``, anonymous ``anon``, except ``overrides``."""
    return {"anonymous": anon, **dict.fromkeys(SIGNED_IN, ok), **overrides}


def api(ok: int = 200, **overrides: int) -> dict[str, int]:
    return page(ok=ok, anon=401, **overrides)


def only(roles: Iterable[str], ok: int = 200, anon: int = 302, denied: int = 403) -> dict[str, int]:
    """``roles`` get ``ok``, the other signed-in roles ``denied``."""
    return page(ok=denied, anon=anon, **dict.fromkeys(roles, ok))


def audit_readers(ok: int = 200, anon: int = 302, denied: int = 403) -> dict[str, int]:
    return only(AUDIT_READERS, ok=ok, anon=anon, denied=denied)


def cases(routes: list[Route]) -> list[Any]:
    """pytest params (route, role) for every row and role, with readable unique ids."""
    return [pytest.param(route, role, id=f"{i}-{route.id}-{role}") for i, route in enumerate(routes) for role in ROLES]


def check(route: Route, role: str, objects: Any, *, request: pytest.FixtureRequest) -> None:
    """Make the request as ``role`` (a fixture name) and assert the table's status.

    Pages post form data; the API is called as the browser calls it (session, JSON body).
    """
    client = request.getfixturevalue("client")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = route.url(objects)
    call = getattr(client, route.method)
    if route.method == "get":
        response = call(url)
    elif route.api:
        response = call(url, route.payload(objects), content_type="application/json")
    else:
        response = call(url, route.payload(objects))
    expected = route.expect[role]
    assert response.status_code == expected, (
        f"{role} {route.method.upper()} {url}: {response.status_code} != {expected}: {response.content[:300]!r}"
    )


def table_tests(routes: list[Route]) -> dict[str, Callable[..., None]]:
    """The table's tests, parametrized from ``routes``, for a test module's namespace (``globals().update``).

    ``test_permission_table``: every row as every role (``check``); ``test_hostile_text_is_refused_or_kept_escaped``:
    the hostile-text walk of every write row (``socialgov.testing.hostile.walk``);
    ``test_a_page_with_only_a_get_row_takes_no_form_post``. A test with no row to run is left out. They use the
    fixture ``objects`` of the module's app (``<app>/tests/permissions.py``).
    """
    from socialgov.testing.hostile import assert_takes_no_form_post, read_only_pages, walk, walkable

    @pytest.mark.django_db
    @pytest.mark.parametrize(("route", "role"), cases(routes))
    def test_permission_table(route, role, objects, request):
        check(route, role, objects, request=request)

    @pytest.mark.django_db
    @pytest.mark.parametrize("route", walkable(routes))
    def test_hostile_text_is_refused_or_kept_escaped(route, objects, request):
        walk(route, objects, request=request)

    @pytest.mark.django_db
    @pytest.mark.parametrize("route", read_only_pages(routes))
    def test_a_page_with_only_a_get_row_takes_no_form_post(route, objects, request):
        assert_takes_no_form_post(route, objects, request=request)

    tests = {
        test_permission_table: cases(routes),
        test_hostile_text_is_refused_or_kept_escaped: walkable(routes),
        test_a_page_with_only_a_get_row_takes_no_form_post: read_only_pages(routes),
    }
    return {test.__name__: test for test, params in tests.items() if params}


@dataclass(frozen=True)
class Table:
    """One app's permission table: its rows and the fixture that builds what their URLs point at."""

    app: str  # the app's label
    routes: list[Route]
    objects: Any  # the ``objects`` fixture of ``<app>/tests/permissions.py``

    @property
    def fixture(self) -> str:
        """The name ``table_fixtures`` gives this table's ``objects``."""
        return f"{self.app}_objects"


def all_tables() -> list[Table]:
    """Every table: ``ROUTES`` and ``objects`` of ``<app>/tests/permissions.py`` for each installed app of ours
    (in ``INSTALLED_APPS`` order) that has one."""
    ours = Path(settings.BASE_DIR).resolve()
    tables = []
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent != ours:  # a library's app
            continue
        name = f"{config.name}.tests.permissions"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name not in (name, f"{config.name}.tests"):
                raise
            continue
        tables.append(Table(config.label, module.ROUTES, module.objects))
    return tables


def all_routes() -> list[Route]:
    """The rows of every table."""
    return [route for table in all_tables() for route in table.routes]


def table_fixtures() -> dict[str, Any]:
    """{``Table.fixture``: that table's ``objects``}: ``globals().update`` it in a test module that builds the
    objects of several tables (``request.getfixturevalue(table.fixture)``)."""
    return {table.fixture: table.objects for table in all_tables()}
