"""Hostile text through every form and endpoint that takes text, found automatically.

The permission tables already hold every write the project serves (a test fails on a URL missing
from them), with a URL, a working payload and the roles that may make it. For each write row the
walk takes a role that gets past the permission check and finds the row's text fields:

- a page: the bound forms the view builds from the row's payload (``forms.CharField`` and its
  kin: e-mail, URL, slug ...);
- the API: the string properties (and lists of strings) of the operation's JSON request body in
  the OpenAPI schema.

Then it sends each hostile value in each text field, the rest of the payload as the row has it,
and asserts: never a 5xx; an API refusal is a 400 with field messages; a page answers with the
form (escaped) or a redirect to a page that shows the value escaped. Each attempt is rolled back.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import pytest
from django import forms
from django.db import transaction

from core.filterkit import PickerWidget
from socialgov.testing.permissions import WRITE_METHODS, Route

SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"
HOSTILE = {
    "script": SCRIPT,
    "html": '<b onmouseover="alert(3)">bold</b><iframe src="javascript:alert(4)"></iframe>',
    "formula": "=cmd|' /C calc'!A0",
    "rtl": "safe \u202egnp.exe",
    "megabyte": "a" * 1_000_000,
    "nul": "before\x00after",
}
NOT_TEXT = ("date-time", "date", "time", "binary", "uuid")
# The statuses that mean the request got past authentication, permission and scope.
REACHED = (200, 201, 204, 302, 400, 409)
# Preference when several roles get past: one that succeeds exercises the most code.
ROLE_ORDER = ["employee", "manager", "reviewer", "it_security", "communications", "superuser", "outsider", "auditor"]


def walkable(routes: list[Route]) -> list[Any]:
    """pytest params for the write rows some signed-in role gets past."""
    return [
        pytest.param(route, id=f"{i}-{route.id}")
        for i, route in enumerate(routes)
        if route.method in WRITE_METHODS and acting_role(route)
    ]


def acting_role(route: Route) -> str | None:
    ranked = sorted(
        (role for role in ROLE_ORDER if route.expect[role] in REACHED),
        key=lambda role: (route.expect[role] not in (200, 201, 204, 302), ROLE_ORDER.index(role)),
    )
    return ranked[0] if ranked else None


@functools.cache
def openapi() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(openapi()["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return schema


def _is_text(prop: dict[str, Any]) -> bool:
    prop = _resolve(prop)
    return prop.get("type") == "string" and "enum" not in prop and prop.get("format") not in NOT_TEXT


def operation_text_fields(method: str, path: str) -> dict[str, str]:
    """{field: "string" | "array"} for the operation's JSON request body."""
    body = openapi()["paths"][path][method].get("requestBody")
    if not body or "application/json" not in body["content"]:
        return {}
    schema = _resolve(body["content"]["application/json"]["schema"])
    fields = {}
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop)
        if prop.get("readOnly"):
            continue
        if _is_text(prop):
            fields[name] = "string"
        elif prop.get("type") == "array" and _is_text(prop.get("items", {})):
            fields[name] = "array"
    return fields


def _path_pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def operation_for(method: str, url: str) -> str | None:
    """The schema path of the operation ``method url`` calls (None when it is not in the schema)."""
    path = url.split("?", 1)[0]
    # literal segments first: /posts/due/ is not /posts/{id}/
    for template, operations in sorted(openapi()["paths"].items(), key=lambda item: item[0].count("{")):
        if method in operations and _path_pattern(template).match(path):
            return template
    return None


class _Anything:
    """Stands in for a table's objects: every lookup answers itself, with pk 1."""

    pk = 1
    slug = "x"
    platform_id = "x"

    def __getitem__(self, key):
        return self

    def __getattr__(self, name):
        return self


def url_shape(route: Route) -> str:
    """The row's URL with placeholder objects (enough to find its operation in the schema)."""
    return route.url(_Anything())


def text_operations() -> list[tuple[str, str]]:
    """Every (method, path) of the API whose request body takes text."""
    return [
        (method, path)
        for path, operations in openapi()["paths"].items()
        for method in operations
        if method in WRITE_METHODS and operation_text_fields(method, path)
    ]


def _send(client, route: Route, url: str, data: dict[str, Any]):
    call = getattr(client, route.method)
    if route.api:
        return call(url, json.dumps(data), content_type="application/json")
    return call(url, data)


def _page_text_fields(client, route: Route, url: str, base: dict[str, Any], monkeypatch) -> dict[str, str]:
    """The text fields of the bound forms the view builds from the row's payload."""
    built: list[forms.BaseForm] = []
    original = forms.BaseForm.__init__

    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    with monkeypatch.context() as patch:
        patch.setattr(forms.BaseForm, "__init__", record)
        _attempt(lambda: _send(client, route, url, base))
    fields = {}
    for form in built:
        if form.is_bound:
            for name, field in form.fields.items():
                # text, and the pickers that take a typed name (core.filterkit)
                texty = isinstance(field, forms.CharField) or isinstance(field.widget, PickerWidget)
                if texty and not isinstance(field.widget, forms.PasswordInput):
                    fields[form.add_prefix(name)] = "string"
    return fields


def read_only_pages(routes: list[Route]) -> list[Any]:
    """pytest params for the page rows whose URL has no write row in ``routes``."""
    written = {r.name for r in routes if r.method in WRITE_METHODS}
    seen: set[str] = set()
    params = []
    for i, route in enumerate(routes):
        if route.api or route.method != "get" or route.name in written or route.name in seen:
            continue
        if not any(route.expect[role] == 200 for role in ROLE_ORDER):
            continue
        seen.add(route.name)
        params.append(pytest.param(route, id=f"{i}-{route.id}"))
    return params


def assert_takes_no_form_post(route: Route, objects: Any, *, request: pytest.FixtureRequest) -> None:
    """POST to a page the table has only a GET row for: no view may build a bound form from it.

    A view that does handles a form submission the table (and so the permission check and the
    hostile-text walk) does not know about: add a write row for it.
    """
    client = request.getfixturevalue("client")
    role = next(role for role in ROLE_ORDER if route.expect[role] == 200)
    client.force_login(request.getfixturevalue(role))
    built: list[forms.BaseForm] = []
    original = forms.BaseForm.__init__

    def record(self, *args, **kwargs):
        original(self, *args, **kwargs)
        built.append(self)

    with request.getfixturevalue("monkeypatch").context() as patch:
        patch.setattr(forms.BaseForm, "__init__", record)
        _attempt(lambda: client.post(route.url(objects), {"probe": "1"}))
    bound = [type(form).__name__ for form in built if form.is_bound]
    assert bound == [], f"{route.name} takes a POST ({bound}): add a write row to the permission table"


def _attempt(send):
    """Send inside a savepoint that is always rolled back (each attempt starts from the same data)."""
    sid = transaction.savepoint()
    try:
        return send()
    finally:
        transaction.savepoint_rollback(sid)


def walk(route: Route, objects: Any, *, request: pytest.FixtureRequest) -> dict[str, int]:
    """Send every hostile value through every text field of ``route``; returns {status: count}."""
    client = request.getfixturevalue("client")
    role = acting_role(route)
    client.force_login(request.getfixturevalue(role))
    url = route.url(objects)
    base = route.payload(objects)
    if route.api:
        operation = operation_for(route.method, url)
        assert operation, f"{route.method.upper()} {url} is not in the OpenAPI schema"
        fields = operation_text_fields(route.method, operation)
    else:
        fields = _page_text_fields(client, route, url, base, request.getfixturevalue("monkeypatch"))
    statuses: dict[int, int] = {}
    for field, shape in fields.items():
        for kind, value in HOSTILE.items():
            data = {**base, field: [value] if shape == "array" else value}

            def send(data=data):
                response = _send(client, route, url, data)
                follow = None
                if response.status_code == 302 and response["Location"].startswith("/"):
                    follow = client.get(response["Location"])
                return response, follow

            response, follow = _attempt(send)
            where = f"{role} {route.method.upper()} {url} {field}={kind}"
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            assert response.status_code < 500, f"{where}: {response.status_code} {response.content[:300]!r}"
            if route.api and response.status_code == 400:
                answer = response.json()
                assert answer.get("fields") or answer.get("detail"), f"{where}: a 400 without a message: {answer}"
            for shown in (response, follow):
                if shown is not None and shown.get("Content-Type", "").startswith("text/html"):
                    assert SCRIPT not in shown.content.decode(), f"{where}: shown unescaped"
    return statuses
