"""Every reports route, for every role, with the status it must answer."""

from __future__ import annotations

import pytest

from reports.services import calendar_feed_create
from reports.tests.routes import REPORT_ROUTES
from socialgov.testing.hostile import walk, walkable
from socialgov.testing.permissions import cases, check


@pytest.fixture
def objects(employee):
    _, token = calendar_feed_create(actor=employee)
    return {"feed_token": token}


@pytest.mark.parametrize(("route", "role"), cases(REPORT_ROUTES))
def test_permission_table(route, role, objects, request):
    check(route, role, objects, request=request)


@pytest.mark.parametrize("route", walkable(REPORT_ROUTES))
def test_hostile_text_is_refused_or_kept_escaped(route, objects, request):
    walk(route, objects, request=request)
