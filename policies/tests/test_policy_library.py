"""Policy versions, acknowledgements, coverage, rendering, training completions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from audit.models import AuditEvent
from core.errors import Conflict, Forbidden, InvalidInput
from notifications.models import Notification
from policies import selectors, services
from policies.choices import VersionState
from policies.models import Acknowledgement, Policy, TrainingCompletion
from policies.rendering import render_markdown
from policies.tests.factories import TrainingCourseFactory, completed, published_policy

pytestmark = pytest.mark.django_db


# --- Rendering -------------------------------------------------------------------------


def test_markdown_is_rendered_and_sanitised():
    html = render_markdown(
        "# Rules\n\n<script>alert(1)</script> <img src=x onerror=alert(1)> [bad](javascript:alert(1)) "
        "[good](https://example.com) **bold**"
    )
    assert "<h1>Rules</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">good</a>' in html


# --- Versions ----------------------------------------------------------------------------


def test_publishing_a_version_makes_it_current_and_asks_the_audience(it_security, employee, department):
    # given a policy for the marketing department only
    sales = DepartmentFactory(name="Sales", slug="sales")
    outsider_in_sales = add_member(UserFactory(email="s@example.com"), sales, "member")
    policy = services.policy_create(actor=it_security, title="Social media", slug="social-media")
    version = services.policy_version_draft(
        actor=it_security,
        policy=policy,
        body="Be **kind**.<script>x</script>",
        audience_everyone=False,
        audience_departments=[department],
        acknowledge_by=timezone.localdate() + timedelta(days=14),
    )
    assert version.number == 1 and version.state == VersionState.DRAFT
    # when
    services.policy_version_publish(actor=it_security, version=version)
    # then
    policy.refresh_from_db()
    assert policy.current_version == version
    assert "<strong>kind</strong>" in policy.current_version.body_html
    assert "<script>" not in policy.current_version.body_html
    assert list(Notification.objects.filter(event="policy.published").values_list("recipient__email", flat=True)) == [
        "employee@example.com"
    ]
    assert [v.pk for v in selectors.pending_acknowledgements(employee)] == [version.pk]
    assert selectors.pending_acknowledgements(outsider_in_sales) == []
    assert AuditEvent.objects.filter(action="policy.published").count() == 1
    with pytest.raises(Conflict):
        services.policy_version_publish(actor=it_security, version=version)


def test_audience_by_role_and_group(it_security, employee, reviewer, communications):
    policy = services.policy_create(actor=it_security, title="Reviewing", slug="reviewing")
    version = services.policy_version_draft(
        actor=it_security,
        policy=policy,
        body="x",
        audience_everyone=False,
        audience_roles=["reviewer", "communications"],
    )
    assert sorted(u.email for u in selectors.audience_of(version)) == ["comms@example.com", "reviewer@example.com"]
    with pytest.raises(InvalidInput) as caught:
        services.policy_version_draft(actor=it_security, policy=policy, body="x", audience_everyone=False)
    assert "audience_everyone" in caught.value.fields
    with pytest.raises(InvalidInput):
        services.policy_version_draft(actor=it_security, policy=policy, body="x", audience_roles=["pope"])


def test_only_policy_managers_publish(employee):
    with pytest.raises(Forbidden):
        services.policy_create(actor=employee, title="Mine", slug="mine")


def test_acknowledging_records_who_which_version_and_when_once(employee):
    policy = published_policy()
    first = services.acknowledgement_record(actor=employee, version=policy.current_version)
    again = services.acknowledgement_record(actor=employee, version=policy.current_version)
    assert first.pk == again.pk
    ack = Acknowledgement.objects.get()
    assert (ack.user, ack.version, ack.acknowledged_at.date()) == (
        employee,
        policy.current_version,
        timezone.localdate(),
    )
    assert AuditEvent.objects.filter(action="policy.acknowledged").count() == 1


def test_a_draft_cannot_be_acknowledged(it_security, employee):
    policy = services.policy_create(actor=it_security, title="Draft", slug="draft")
    version = services.policy_version_draft(actor=it_security, policy=policy, body="x")
    with pytest.raises(Conflict):
        services.acknowledgement_record(actor=employee, version=version)


def test_coverage_per_department(employee, reviewer, manager, department):
    sales = DepartmentFactory(name="Sales", slug="sales")
    seller = add_member(UserFactory(email="seller@example.com"), sales, "member")
    policy = published_policy()
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    services.acknowledgement_record(actor=seller, version=policy.current_version)
    rows = {r.department.slug if r.department else None: r for r in selectors.coverage(policy.current_version)}
    assert [u.email for u in rows["marketing"].acknowledged] == ["employee@example.com"]
    assert [u.email for u in rows["marketing"].missing] == ["manager@example.com", "reviewer@example.com"]
    assert [u.email for u in rows["sales"].acknowledged] == ["seller@example.com"]


def test_coverage_page_managers_see_their_department_only(client, manager, employee, department):
    DepartmentFactory(name="Sales", slug="sales")
    add_member(UserFactory(email="seller@example.com"), DepartmentFactory(name="Legal", slug="legal"), "member")
    published_policy()
    client.force_login(manager)
    response = client.get(reverse("policies:policy_coverage", args=["social-media"]))
    assert response.status_code == 200
    assert [r.department.slug for r in response.context["rows"]] == ["marketing"]


def test_coverage_api(api_client, auditor, employee):
    policy = published_policy()
    services.acknowledgement_record(actor=employee, version=policy.current_version)
    api_client.force_authenticate(auditor)
    body = api_client.get(f"/api/v1/policies/{policy.slug}/coverage/").json()
    marketing = next(r for r in body if r["department"] == "marketing")
    assert marketing["acknowledged"] == ["employee@example.com"]


def test_policy_page_acknowledges(client, employee):
    policy = published_policy()
    client.force_login(employee)
    page = client.get(reverse("policies:policy_detail", args=[policy.slug]))
    assert b"<strong>Never</strong>" in page.content
    assert b"I have read and will follow version 1" in page.content
    response = client.post(reverse("policies:policy_acknowledge", args=[policy.slug]))
    assert response.status_code == 302
    assert Acknowledgement.objects.filter(user=employee).count() == 1
    assert b"You acknowledged this version" in client.get(reverse("policies:policy_detail", args=[policy.slug])).content


# --- Training ------------------------------------------------------------------------------


def test_a_trainee_attests_with_a_default_expiry_of_one_year(employee):
    course = TrainingCourseFactory()
    with pytest.raises(InvalidInput):
        services.training_completion_record(actor=employee, user=employee, course=course)
    done = services.training_completion_record(actor=employee, user=employee, course=course, attested=True)
    assert done.method == "attested"
    assert done.expires_on == timezone.localdate() + timedelta(days=365)


def test_a_trainer_or_manager_records_it_and_others_may_not(employee, manager, reviewer, outsider):
    trainer = UserFactory(email="trainer@example.com")
    course = TrainingCourseFactory(trainers=[trainer])
    by_trainer = services.training_completion_record(actor=trainer, user=employee, course=course)
    by_manager = services.training_completion_record(actor=manager, user=reviewer, course=course)
    assert (by_trainer.method, by_manager.method) == ("trainer", "manager")
    assert Notification.objects.filter(event="training.recorded", recipient=employee).exists()
    with pytest.raises(Forbidden):
        services.training_completion_record(actor=outsider, user=employee, course=course)
    with pytest.raises(Forbidden):
        services.training_completion_record(actor=reviewer, user=employee, course=course)
    with pytest.raises(InvalidInput):
        services.training_completion_record(
            actor=manager, user=employee, course=course, completed_on=timezone.localdate() + timedelta(days=1)
        )
    assert TrainingCompletion.objects.count() == 2


def test_course_page_attest_and_record(client, manager, employee):
    course = TrainingCourseFactory(slug="social-101")
    client.force_login(manager)
    url = reverse("policies:course_detail", args=["social-101"])
    assert client.post(url, {"attested": "on"}).status_code == 302
    assert client.post(url, {"user": "employee@example.com"}).status_code == 302
    assert sorted(TrainingCompletion.objects.values_list("user__email", "method")) == [
        ("employee@example.com", "manager"),
        ("manager@example.com", "attested"),
    ]
    client.force_login(employee)
    assert client.post(url, {"user": "manager@example.com"}).status_code == 403
    assert course.completions.count() == 2


def test_training_due_lists_missing_and_expiring(employee):
    missing = TrainingCourseFactory(slug="a", title="A", required_to_author=True)
    soon = TrainingCourseFactory(slug="b", title="B", required_to_hold_credentials=True)
    TrainingCourseFactory(slug="e", title="E", required_to_review=True)  # the employee does not review
    fine = TrainingCourseFactory(slug="c", title="C", required_to_author=True)
    TrainingCourseFactory(slug="d", title="D")  # not required
    completed(employee, soon, on=timezone.localdate() - timedelta(days=350))
    completed(employee, fine)
    assert [(s.course, s.current) for s in selectors.training_due(employee)] == [(missing, False), (soon, True)]


# --- The dashboard card and query counts ------------------------------------------------


def _many(n, employee):
    for i in range(n):
        p = published_policy(slug=f"policy-{i}", required_to_author=True)
        if i % 2:
            Acknowledgement.objects.create(user=employee, version=p.current_version)
        TrainingCourseFactory(slug=f"course-{i}", required_to_author=True)


@pytest.mark.parametrize("rows", [3, 30])
def test_dashboard_card_constant_queries(client, employee, rows, django_assert_num_queries):
    _many(rows, employee)
    client.force_login(employee)
    # the foundation's 4 (its memberships shared by the card), then: current versions not acknowledged (their
    # audience departments tested in SQL), required courses with the person's latest completion,
    # and 5 for the reports cards (reports/dashboard.py: my posts, the review queue (2), my channels)
    with django_assert_num_queries(11):
        response = client.get(reverse("dashboard"))
    assert response.context["count"] == rows - rows // 2 + rows


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # the user with their groups, their memberships (does a role of theirs need a second factor? they have
        # none: kept per person after this), unread count, count, policies, their audience departments,
        # acknowledgements
        ("policies:policy_list", 8),
        # the user with their groups, their memberships (as above), unread count, count, courses, their
        # departments, completions, and the page's own check whether the reader trains or manages (2)
        ("policies:course_list", 9),
        # the user with their groups, unread count; pending policies (memberships, versions), training due (1),
        # review gate (2)
        ("policies:my_requirements", 8),
    ],
)
@pytest.mark.parametrize("rows", [3, 30])
def test_list_pages_constant_queries(client, employee, rows, name, queries, django_assert_num_queries):
    _many(rows, employee)
    client.force_login(employee)
    with django_assert_num_queries(queries):
        response = client.get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_rule_list_page_constant_queries(client, it_security, rows, django_assert_num_queries):
    from policies.tests.factories import ContentRuleFactory

    for _ in range(rows):
        ContentRuleFactory()
    client.force_login(it_security)
    # the layout and sign-in (MFA check included), count, rules, their departments and platforms
    with django_assert_num_queries(8):
        response = client.get(reverse("policies:rule_list"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/api/v1/policies/", "/api/v1/acknowledgements/", "/api/v1/training-courses/", "/api/v1/training-completions/"],
)
@pytest.mark.parametrize("rows", [3, 30])
def test_list_endpoints_constant_queries(api_client, auditor, employee, rows, url, django_assert_num_queries):
    _many(rows, employee)
    for course in list(TrainingCourseFactory._meta.model.objects.all()):
        completed(employee, course)
    api_client.force_authenticate(auditor)
    api_client.get(url)  # the auditor's groups are read once
    expected = {"policies": 2, "acknowledgements": 1, "training-courses": 2, "training-completions": 1}
    with django_assert_num_queries(expected[url.split("/")[3]]):
        response = api_client.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 1


def test_policy_model_is_not_deleted_by_admin(superuser):
    assert Policy.objects.count() == 0


def test_the_api_writes_a_policy_drafts_and_publishes(api_client, communications, employee, department):
    api_client.force_authenticate(communications)
    response = api_client.post(
        "/api/v1/policies/", {"title": "Travel", "slug": "travel", "required_to_author": True}, format="json"
    )
    assert response.status_code == 201
    response = api_client.post(
        "/api/v1/policies/travel/draft/",
        {
            "body": "# Travel\n\n<b>bold</b> **ok**",
            "audience_everyone": False,
            "audience_departments": ["marketing"],
            "audience_roles": ["auditor"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "draft" and "<b>" not in response.json()["body_html"]
    bad = api_client.post("/api/v1/policies/travel/draft/", {"body": "x", "audience_roles": ["king"]}, format="json")
    assert bad.status_code == 400 and "audience_roles" in bad.json()["fields"]
    assert api_client.post("/api/v1/policies/travel/publish/", {"number": 1}, format="json").status_code == 200
    assert api_client.post("/api/v1/policies/travel/publish/", {"number": 1}, format="json").status_code == 409
    assert api_client.post("/api/v1/policies/travel/publish/", {"number": 9}, format="json").status_code == 404
    assert Policy.objects.get(slug="travel").current_version.number == 1
    api_client.force_authenticate(employee)
    assert api_client.post("/api/v1/policies/", {"title": "X", "slug": "x"}, format="json").status_code == 403


def test_the_api_writes_courses(api_client, it_security, department):
    api_client.force_authenticate(it_security)
    response = api_client.post(
        "/api/v1/training-courses/",
        {"title": "Social Media 101: where to start", "slug": "social-101", "departments": ["marketing"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["validity_days"] == 365 and response.json()["departments"] == ["marketing"]
    response = api_client.patch("/api/v1/training-courses/social-101/", {"required_to_author": True}, format="json")
    assert response.status_code == 200 and response.json()["required_to_author"] is True
    assert api_client.post("/api/v1/training-courses/", {"title": "Dup", "slug": "social-101"}).status_code == 400


def test_review_training_is_due_for_reviewers_only(employee, reviewer):
    course = TrainingCourseFactory(slug="review-101", title="Reviewing posts", required_to_review=True)
    assert selectors.training_due(employee) == []
    assert [s.course for s in selectors.training_due(reviewer)] == [course]
