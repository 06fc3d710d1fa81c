import pytest
from django.urls import reverse

from channels_registry.tests.factories import build_world

pytestmark = pytest.mark.django_db

MODELS = [
    "channels_registry_channel",
    "channels_registry_channelmembership",
    "channels_registry_securityreview",
    "channels_registry_channelactivity",
    "channels_registry_dormancyfinding",
    "channels_registry_accessrequest",
    "channels_registry_accessgrant",
    "channels_registry_recertification",
    "channels_registry_rotationtask",
    "channels_registry_reportedaccount",
    "policies_platform",
    "policies_platformdecision",
]


@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_search_and_filter(client, superuser, employee, manager, reviewer, department, model):
    build_world(employee=employee, manager=manager, reviewer=reviewer, department=department)
    client.force_login(superuser)
    url = reverse(f"admin:{model}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "acme"}).status_code == 200


def test_admin_actions_call_the_services(client, superuser, employee, manager, reviewer, department):
    from audit.models import AuditEvent

    w = build_world(employee=employee, manager=manager, reviewer=reviewer, department=department)
    client.force_login(superuser)
    client.post(
        reverse("admin:channels_registry_channel_changelist"),
        {"action": "suspend", "_selected_action": [w.ours.pk]},
    )
    client.post(
        reverse("admin:channels_registry_rotationtask_changelist"),
        {"action": "close", "_selected_action": [w.rotation.pk]},
    )
    w.ours.refresh_from_db()
    w.rotation.refresh_from_db()
    assert (w.ours.state, w.rotation.state) == ("suspended", "done")
    assert {"channel.suspended", "channel.rotation_done"} <= set(AuditEvent.objects.values_list("action", flat=True))


def test_admin_records_a_platform_decision_through_the_service(client, superuser, department):
    from policies.models import PlatformDecision
    from policies.tests.factories import platform

    client.force_login(superuser)
    response = client.post(
        reverse("admin:policies_platformdecision_add"),
        {
            "platform": platform("tiktok").pk,
            "departments": [department.pk],
            "outcome": "blocked",
            "conditions": "",
            "rationale": "Data residency",
            "effective_from": "2026-01-01",
            "review_by": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    decision = PlatformDecision.objects.get()
    assert decision.decided_by == superuser and list(decision.departments.all()) == [department]


def test_admin_shows_a_form_error_for_an_incomplete_decision(client, superuser):
    from policies.models import PlatformDecision
    from policies.tests.factories import platform

    client.force_login(superuser)
    response = client.post(
        reverse("admin:policies_platformdecision_add"),
        {"platform": platform("x").pk, "outcome": "conditional", "rationale": "Risk", "effective_from": "2026-01-01"},
    )
    assert response.status_code == 200 and "Name the conditions." in response.content.decode()
    assert not PlatformDecision.objects.exists()
