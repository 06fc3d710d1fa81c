"""The admin: rules validated as they are saved, services called, history audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from policies.models import ContentRule, Policy, PolicyVersion, TrainingCourse
from policies.tests.factories import ContentRuleFactory, TrainingCourseFactory, published_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


RULE = {
    "name": "Phone numbers",
    "kind": "pattern",
    "severity": "warn",
    "message": "No phone numbers.",
    "terms": "",
    "link_mode": "block",
    "route_label": "",
    "route_group": "",
    "route_role": "",
    "is_active": "on",
}


def test_an_invalid_pattern_is_a_field_error_in_the_admin(admin_client):
    response = admin_client.post(reverse("admin:policies_contentrule_add"), {**RULE, "pattern": "(unclosed"})
    assert response.status_code == 200
    assert "Not a valid regular expression" in str(response.context["adminform"].form.errors["pattern"])
    assert not ContentRule.objects.exists()


def test_a_valid_rule_is_saved_through_the_service(admin_client, superuser):
    response = admin_client.post(reverse("admin:policies_contentrule_add"), {**RULE, "pattern": r"\+?\d[\d ]{7,}"})
    assert response.status_code == 302
    rule = ContentRule.objects.get()
    assert rule.created_by == superuser
    assert AuditEvent.objects.filter(action="content_rule.created").exists()


def test_publish_action_and_version_draft(admin_client):
    policy = published_policy()
    response = admin_client.post(
        reverse("admin:policies_policyversion_add"),
        {
            "policy": policy.pk,
            "body": "Version two.",
            "change_note": "",
            "audience_everyone": "on",
            "audience_roles": "[]",
        },
    )
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(number=2)
    admin_client.post(
        reverse("admin:policies_policyversion_changelist"),
        {"action": "publish_versions", "_selected_action": [draft.pk]},
    )
    assert Policy.objects.get().current_version == draft


@pytest.mark.parametrize(
    "name",
    [
        "policies_contentrule",
        "policies_policy",
        "policies_policyversion",
        "policies_trainingcourse",
        "policies_trainingcompletion",
        "policies_acknowledgement",
    ],
)
def test_changelists_open(admin_client, name):
    ContentRuleFactory()
    published_policy()
    TrainingCourseFactory()
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_course_saved_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:policies_trainingcourse_add"),
        {"title": "Social Media 101: where to start", "slug": "social-101", "validity_days": 365, "is_active": "on"},
    )
    assert response.status_code == 302
    assert TrainingCourse.objects.get().slug == "social-101"
    assert AuditEvent.objects.filter(action="training.course_created").exists()
