"""Every policies route, for every role (the table is in policies/tests/routes.py)."""

from __future__ import annotations

import pytest

from policies.tests.routes import POLICY_ROUTES
from socialgov.tests.test_permissions import ROLES

CASES = [(route, role) for route in POLICY_ROUTES for role in ROLES]


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


@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{r.method}-{r.name}-{role}" for r, role in CASES])
def test_permission_table(route, role, objects, request, client, api_client):
    if role != "anonymous":
        user = request.getfixturevalue(role)
        client.force_login(user)
        api_client.force_authenticate(user)
    target = api_client if route.api else client
    url = route.url(objects)
    response = getattr(target, route.method)(url, route.data) if route.method != "get" else target.get(url)
    assert response.status_code == route.expect[role], f"{role} {route.method.upper()} {url}"
