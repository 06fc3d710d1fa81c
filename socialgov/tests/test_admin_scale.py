"""The Django admin's changelists of the tables that grow cost an exact number of queries, the same with 3 rows as
with 30: ``list_select_related`` covers what the columns and ``__str__`` read, no changelist counts every row
(``show_full_result_count = False``; the filtered rows counted up to a cap), and no filter lists a column's values."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory, add_member
from approvals import services as approvals
from approvals.tests.factories import approve_all, channel_for, submitted
from channels_registry.models import AccessGrant, ChannelActivity
from channels_registry.tests.factories import ChannelFactory, channel_with_custodians

pytestmark = pytest.mark.django_db

# changelist -> exact queries: the session's user with their groups and the admin's own (the permission checks,
# the capped count, the page of rows, the filters' options of small tables).
CHANGELISTS = {
    "approvals/post": 4,
    "approvals/postrevision": 3,
    "approvals/stagereview": 3,
    "approvals/decision": 3,
    "approvals/comment": 3,
    "channels_registry/channel": 5,
    "channels_registry/channelmembership": 3,
    "channels_registry/channelactivity": 3,
    "channels_registry/accessgrant": 3,
    "accounts/membership": 4,
    "notifications/notification": 3,
    "audit/auditevent": 3,
}


def _add(world, n):
    employee, reviewer, department, superuser = world
    channel = channel_for(employee, department=department)
    for i in range(n):
        post = submitted(employee, channel, body=f"Post {i}")
        approve_all(post, reviewer)
        approvals.comment_add(actor=employee, post=post, body=f"Comment {i}")
        ChannelFactory(department=department)
        channel_with_custodians(employee, add_member(UserFactory(), department, "member"), department=department)
    ChannelActivity.objects.bulk_create(
        [ChannelActivity(channel=channel, occurred_at=timezone.now(), source="api") for _ in range(n)]
    )
    AccessGrant.objects.bulk_create(
        [
            AccessGrant(
                channel=channel,
                user=UserFactory(),
                role="contributor",
                granted_by=superuser,
                reason="r",
                review_by=timezone.localdate(),
            )
            for _ in range(n)
        ]
    )


@pytest.mark.parametrize("changelist", list(CHANGELISTS))
def test_a_changelist_costs_the_same_with_3_or_30_rows(
    client, employee, reviewer, department, superuser, changelist, django_assert_num_queries
):
    # given the superuser signed in, the changelist seen once
    world = (employee, reviewer, department, superuser)
    client.force_login(superuser)
    url = f"/admin/{changelist}/"
    assert client.get(url).status_code == 200

    for n in (3, 27):  # 3 rows, then 30
        # when
        _add(world, n)
        with django_assert_num_queries(CHANGELISTS[changelist]):
            response = client.get(url)

        # then
        assert response.status_code == 200
        assert response.context["cl"].result_count >= n


# The tables an admin form may offer whole, as a select: a company has tens of these, not millions.
SMALL_TABLES = {
    "accounts.Department",
    "auth.Permission",
    "policies.Platform",
    "policies.Policy",
    "django_celery_beat.IntervalSchedule",
    "django_celery_beat.CrontabSchedule",
    "django_celery_beat.SolarSchedule",
    "django_celery_beat.ClockedSchedule",
}


def test_no_admin_form_lists_a_table_that_grows_in_a_select(rf, superuser):
    from django import forms
    from django.contrib import admin
    from django.contrib.admin.widgets import (
        AutocompleteMixin,
        ForeignKeyRawIdWidget,
        ManyToManyRawIdWidget,
        RelatedFieldWidgetWrapper,
    )

    request = rf.get("/admin/")
    request.user = superuser
    selects = []
    for model, model_admin in admin.site._registry.items():
        if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
            continue
        for name, field in model_admin.get_form(request).base_fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            widget = field.widget.widget if isinstance(field.widget, RelatedFieldWidgetWrapper) else field.widget
            if isinstance(widget, (AutocompleteMixin, ForeignKeyRawIdWidget, ManyToManyRawIdWidget)):
                continue
            if field.queryset.model._meta.label not in SMALL_TABLES:
                selects.append(f"{model._meta.label}.{name} lists every {field.queryset.model._meta.label}")

    assert selects == []
