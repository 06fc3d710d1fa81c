"""Every policies route, for every role (the table is in policies/tests/routes.py)."""

from __future__ import annotations

import pytest

from policies.tests.routes import POLICY_ROUTES
from socialgov.testing.hostile import assert_takes_no_form_post, read_only_pages, walk, walkable
from socialgov.testing.permissions import cases, check


@pytest.fixture
def objects(employee):
    from policies.models import PolicyVersion
    from policies.tests.factories import ContentRuleFactory, TrainingCourseFactory, published_policy

    policy = published_policy(slug="social-media", required_to_author=True)
    PolicyVersion.objects.create(policy=policy, number=2, body="Draft two.")
    return {
        "rule": ContentRuleFactory(),
        "policy": policy,
        "course": TrainingCourseFactory(slug="social-101", required_to_author=True),
    }


@pytest.mark.parametrize(("route", "role"), cases(POLICY_ROUTES))
def test_permission_table(route, role, objects, request):
    check(route, role, objects, request=request)


@pytest.mark.parametrize("route", walkable(POLICY_ROUTES))
def test_hostile_text_is_refused_or_kept_escaped(route, objects, request):
    walk(route, objects, request=request)


@pytest.mark.parametrize("route", read_only_pages(POLICY_ROUTES))
def test_a_page_with_only_a_get_row_takes_no_form_post(route, objects, request):
    assert_takes_no_form_post(route, objects, request=request)
