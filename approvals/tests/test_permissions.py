"""Every approvals page and endpoint, for every role (the table is in ``permission_table.py``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals import services
from approvals.tests.factories import PNG, channel_for, draft, open_stage, submitted
from approvals.tests.permission_table import ROWS
from socialgov.testing.hostile import assert_takes_no_form_post, read_only_pages, walk, walkable
from socialgov.testing.permissions import cases, check


def _their_post():
    """A post in review in another department (Training): outside Marketing's scope."""
    from accounts.tests.factories import DepartmentFactory, UserFactory, add_member

    training = DepartmentFactory(name="Training", slug="training")
    trainer = add_member(UserFactory(email="trainer@example.com"), training, "member")
    return submitted(trainer, channel_for(trainer, department=training))


@pytest.fixture
def objects(employee, reviewer, manager, department, communications, groups):
    channel = channel_for(employee, department=department)
    post = submitted(employee, channel, attachments=[SimpleUploadedFile("photo.png", PNG)])
    now = timezone.now()
    delegation = services.delegation_create(
        actor=reviewer, delegate=employee, starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=40)
    )
    lockdown = services.lockdown_start(actor=communications, scope="channel", channel=channel, reason="A crisis.")
    stage = services.route_stage_add(actor=manager, department=department, name="Legal", role="manager")
    # a second Marketing channel with its own route (a copy of Marketing's)
    channel_route = services.route_channel_create(actor=manager, channel=channel_for(employee, department=department))
    return {
        "channel_route": channel_route,
        "channel_route_stage": channel_route.stages.order_by("position").first(),
        "channel": channel,
        "post": post,
        "draft": draft(employee, channel, "Still a draft."),
        "their_stage": open_stage(_their_post()),
        "stage": open_stage(post),
        "attachment": post.attachments.get(),
        "delegation": delegation,
        "lockdown": lockdown,
        "department": department,
        "route": stage.route,
        "route_stage": stage,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "role"), cases(ROWS))
def test_permission_table(route, role, objects, request):
    check(route, role, objects, request=request)


@pytest.mark.parametrize("route", walkable(ROWS))
def test_hostile_text_is_refused_or_kept_escaped(route, objects, request):
    walk(route, objects, request=request)


@pytest.mark.parametrize("route", read_only_pages(ROWS))
def test_a_page_with_only_a_get_row_takes_no_form_post(route, objects, request):
    assert_takes_no_form_post(route, objects, request=request)
