"""Every reports route, for every role, with the status it must answer."""

from __future__ import annotations

import pytest

from reports.services import calendar_feed_create
from reports.tests.routes import REPORT_ROUTES
from socialgov.tests.test_permissions import ROLES

CASES = [(route, role) for route in REPORT_ROUTES for role in ROLES]


@pytest.fixture
def objects(employee):
    _, token = calendar_feed_create(actor=employee)
    return {"feed_token": token}


@pytest.mark.parametrize(
    ("route", "role"), CASES, ids=[f"{i}-{r.method}-{r.name}-{role}" for i, (r, role) in enumerate(CASES)]
)
def test_permission_table(route, role, objects, request, client):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = route.url(objects)
    response = getattr(client, route.method)(url, route.data) if route.method != "get" else client.get(url)
    assert response.status_code == route.expect[role], f"{role} {route.method.upper()} {url}"
