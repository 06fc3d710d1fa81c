"""Every records route, for every role, with the status it must answer."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from channels_registry.services import user_offboard
from records import services
from records.subjects import subject_access_export
from records.tests.routes import RECORD_ROUTES
from socialgov.testing.hostile import assert_takes_no_form_post, read_only_pages, walk, walkable
from socialgov.testing.permissions import cases, check


@pytest.fixture
def objects(it_security, channel):
    subject = UserFactory(email="leaver@example.com", full_name="Lee Vaughan")
    user_offboard(actor=it_security, user=subject, reason="Left")
    request, _ = subject_access_export(actor=it_security, person=subject, reference="DSR-0")
    return {
        "channel": channel,
        "subject": subject,
        "hold": services.hold_set(actor=it_security, channel=channel, reason="Case 2026-16"),
        "request": request,
    }


@pytest.mark.parametrize(("route", "role"), cases(RECORD_ROUTES))
def test_permission_table(route, role, objects, request):
    check(route, role, objects, request=request)


@pytest.mark.parametrize("route", walkable(RECORD_ROUTES))
def test_hostile_text_is_refused_or_kept_escaped(route, objects, request):
    walk(route, objects, request=request)


@pytest.mark.parametrize("route", read_only_pages(RECORD_ROUTES))
def test_a_page_with_only_a_get_row_takes_no_form_post(route, objects, request):
    assert_takes_no_form_post(route, objects, request=request)
