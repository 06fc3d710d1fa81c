"""The checks that need a channel: the content check and the gates, by channel."""

import pytest

from channels_registry.tests.factories import ChannelFactory
from policies.tests.factories import ContentRuleFactory, TrainingCourseFactory, platform, published_policy

pytestmark = pytest.mark.django_db


def test_content_check_by_channel(api_client, employee, department):
    channel = ChannelFactory(department=department, platform=platform("linkedin"))
    ContentRuleFactory(terms="giveaway", platforms=[platform("linkedin")], departments=[department])
    api_client.force_authenticate(employee)
    response = api_client.post("/api/v1/content-check/", {"text": "A giveaway!", "channel": channel.pk})
    assert response.status_code == 200
    assert response.json()["blocked"] is True
    assert api_client.post("/api/v1/content-check/", {"text": "x", "channel": 999999}).status_code == 400


def test_gate_by_channel(api_client, employee, department):
    channel = ChannelFactory(department=department)
    published_policy(required_to_author=True)
    TrainingCourseFactory(slug="social-101", required_to_author=True, departments=[department])
    api_client.force_authenticate(employee)
    response = api_client.get(f"/api/v1/gates/?action=author&channel={channel.pk}")
    assert response.status_code == 403
    assert [r["fix_url"] for r in response.json()["reasons"]] == [
        "/policies/social-media/",
        "/policies/training/social-101/",
    ]
