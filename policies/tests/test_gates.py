"""The gates: a new employee may not author until they acknowledge the policy and complete the course."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory
from core.errors import GateClosed
from policies import gates, services
from policies.choices import DecisionOutcome
from policies.tests.factories import (
    PlatformDecisionFactory,
    TrainingCourseFactory,
    completed,
    platform,
    published_policy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def requirements(department):
    policy = published_policy(slug="social-media", required_to_author=True)
    course = TrainingCourseFactory(slug="social-101", required_to_author=True)
    return policy, course


def channel(department, slug="x"):
    return SimpleNamespace(department=department, platform=platform(slug))


def test_a_new_employee_may_author_only_after_the_policy_and_the_course(employee, department, requirements):
    policy, course = requirements
    # given a new employee: both reasons are listed, each with where to fix it
    blockers = gates.author_blockers(user=employee, channel=channel(department))
    assert [(b.message, b.fix_url) for b in blockers] == [
        ("Read and acknowledge “Social Media” (version 1).", "/policies/social-media/"),
        ("Complete the training “Social Media 101: where to start”.", "/policies/training/social-101/"),
    ]
    # when they acknowledge the policy, only the course is missing
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    assert [b.fix_url for b in gates.author_blockers(user=employee, channel=channel(department))] == [
        "/policies/training/social-101/"
    ]
    # when they complete the course (attesting it themselves), they may author
    services.training_completion_record(actor=employee, user=employee, course=course, attested=True)
    assert gates.author_blockers(user=employee, channel=channel(department)) == []


def test_the_api_answers_403_with_the_reasons_then_200(api_client, employee, department, requirements):
    policy, course = requirements
    api_client.force_authenticate(employee)
    url = "/api/v1/gates/?action=author&department=marketing&platform=x"
    response = api_client.get(url)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You may not author yet: 2 requirement(s) missing.",
        "code": "gate",
        "reasons": [
            {"message": "Read and acknowledge “Social Media” (version 1).", "fix_url": "/policies/social-media/"},
            {
                "message": "Complete the training “Social Media 101: where to start”.",
                "fix_url": "/policies/training/social-101/",
            },
        ],
    }
    assert api_client.post(f"/api/v1/policies/{policy.slug}/acknowledge/").status_code == 201
    response = api_client.post(f"/api/v1/training-courses/{course.slug}/complete/", {"attested": True})
    assert response.status_code == 201, response.json()
    assert api_client.get(url).json() == {"action": "author", "allowed": True, "reasons": []}


def test_expired_training_blocks_again(employee, department, requirements):
    policy, course = requirements
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    completed(employee, course, on=timezone.localdate() - timedelta(days=366))
    [blocker] = gates.author_blockers(user=employee, channel=channel(department))
    assert "expired on" in blocker.message and "take it again" in blocker.message


def test_course_scoped_to_another_department_does_not_apply(employee, department):
    sales = DepartmentFactory(name="Sales", slug="sales")
    TrainingCourseFactory(slug="sales-only", required_to_author=True, departments=[sales])
    assert gates.author_blockers(user=employee, channel=channel(department)) == []
    assert len(gates.author_blockers(user=employee, channel=channel(sales))) == 1


def test_a_platform_blocked_for_the_department_blocks_authoring(employee, department):
    PlatformDecisionFactory(platform=platform("x"), departments=[department], outcome=DecisionOutcome.BLOCKED)
    [blocker] = gates.author_blockers(user=employee, channel=channel(department))
    assert blocker.message.startswith(f"IT security blocked {platform('x').name} for Marketing on ")
    assert blocker.message.endswith("Data is stored outside the EU.")
    assert blocker.fix_url.startswith("/policies/platforms/")


def test_a_new_version_has_a_grace_period_for_those_who_acknowledged_the_last(
    employee, department, it_security, requirements
):
    policy, course = requirements
    completed(employee, course)
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    v2 = services.policy_version_draft(
        actor=it_security, policy=policy, body="New rules.", acknowledge_by=timezone.localdate() + timedelta(days=7)
    )
    services.policy_version_publish(actor=it_security, version=v2)
    assert gates.author_blockers(user=employee, channel=channel(department)) == []
    v3 = services.policy_version_draft(actor=it_security, policy=policy, body="Now.")
    services.policy_version_publish(actor=it_security, version=v3)
    [blocker] = gates.author_blockers(user=employee, channel=channel(department))
    assert blocker.message == "Read and acknowledge the new version of “Social Media” (version 3)."


def test_review_and_registration_blockers(reviewer, department):
    published_policy(slug="review-guide", required_to_review=True)
    TrainingCourseFactory(slug="custody", title="Keeping credentials", required_to_hold_credentials=True)
    assert [b.fix_url for b in gates.review_blockers(user=reviewer)] == ["/policies/review-guide/"]
    blockers = gates.registration_blockers(user=reviewer, department=department, platform=platform("x"))
    assert [b.message for b in blockers] == ["Complete the training “Keeping credentials”."]
    assert [b.message for b in gates.credential_blockers(user=reviewer, department=department)] == [
        "Complete the training “Keeping credentials”."
    ]


def test_registration_blocked_platform_is_a_reason(employee, department):
    PlatformDecisionFactory(platform=platform("x"), outcome=DecisionOutcome.BLOCKED)
    [blocker] = gates.registration_blockers(user=employee, department=department, platform=platform("x"))
    assert "is blocked for Marketing" in blocker.message


def test_ensure_open_raises_gate_closed_with_reasons(employee, department, requirements):
    with pytest.raises(GateClosed) as caught:
        gates.ensure_open(gates.author_blockers(user=employee, channel=channel(department)))
    assert caught.value.status == 403 and caught.value.code == "gate"
    assert len(caught.value.reasons) == 2


def test_gate_api_for_review_and_register(api_client, reviewer, department):
    published_policy(slug="review-guide", required_to_review=True)
    api_client.force_authenticate(reviewer)
    response = api_client.get("/api/v1/gates/?action=review")
    assert response.status_code == 403
    assert response.json()["reasons"][0]["fix_url"] == "/policies/review-guide/"
    assert api_client.get("/api/v1/gates/?action=register&department=marketing&platform=x").status_code == 200
    assert api_client.get("/api/v1/gates/?action=register").status_code == 400


def test_author_blockers_query_count_is_fixed(employee, department, django_assert_num_queries):
    for i in range(4):
        published_policy(slug=f"p{i}", required_to_author=True)
        TrainingCourseFactory(slug=f"c{i}", required_to_author=True)
    target = channel(department)
    # platform decision, required policies, acknowledgements, required courses, completions
    with django_assert_num_queries(5):
        blockers = gates.author_blockers(user=employee, channel=target)
    assert len(blockers) == 8


def test_the_review_gate_the_queue_shows_follows_each_audited_change(client, reviewer, department, it_security):
    import re

    from accounts.models import User
    from accounts.services import membership_set

    client.force_login(reviewer)

    def kept():  # the "fix this" links of the queue's "You cannot review yet" (a new request each time)
        page = client.get("/posts/queue/").content.decode()
        if "You cannot review yet" not in page:
            return []
        section = page[page.index("You cannot review yet") : page.index("</section>", page.index("You cannot review"))]
        return re.findall(r'<a href="([^"]+)">fix this</a>', section)

    # given a policy and a course required to review, neither done
    policy = published_policy(slug="review-guide", required_to_review=True)
    course = TrainingCourseFactory(slug="review-101", title="Reviewing", required_to_review=True)
    first = kept()
    assert first == [b.fix_url for b in gates.review_blockers(user=reviewer)]
    assert first == ["/policies/review-guide/", "/policies/training/review-101/"]

    # then each audited change shows at once: the acknowledgement, the completion
    services.acknowledgement_record(actor=reviewer, version=policy.current_version)
    assert kept() == ["/policies/training/review-101/"]
    services.training_completion_record(actor=reviewer, user=reviewer, course=course, attested=True)
    assert kept() == []

    # a policy made required to review, a course for a department the person joins
    other = published_policy(slug="brand-voice", required_to_review=False)
    assert kept() == []
    other.required_to_review = True
    services.policy_save(actor=it_security, policy=other, changed=["required_to_review"])
    assert kept() == ["/policies/brand-voice/"]
    legal = DepartmentFactory(name="Legal", slug="legal")
    TrainingCourseFactory(slug="legal-101", title="Legal review", required_to_review=True, departments=[legal])
    services.acknowledgement_record(actor=reviewer, version=other.current_version)
    assert kept() == []
    membership_set(actor=it_security, user=reviewer, department=legal, role="reviewer")
    assert kept() == ["/policies/training/legal-101/"]

    # whether the person is active is asked every time (the queue's own check: an inactive person is signed out)
    User.objects.filter(pk=reviewer.pk).update(is_active=False)
    assert [b.message for b in gates.review_blockers(user=User.objects.get(pk=reviewer.pk))] == [
        "Sign in with an active account."
    ]
