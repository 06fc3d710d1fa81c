"""Every reports route, for every role, with the status it must answer."""

from __future__ import annotations

import pytest

from reports.services import calendar_feed_create
from reports.tests.routes import REPORT_ROUTES
from socialgov.testing.hostile import assert_takes_no_form_post, read_only_pages, walk, walkable
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


@pytest.mark.parametrize("route", read_only_pages(REPORT_ROUTES))
def test_a_page_with_only_a_get_row_takes_no_form_post(route, objects, request):
    assert_takes_no_form_post(route, objects, request=request)
