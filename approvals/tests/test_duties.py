"""Separation of duties on posts: one person decides at most one stage of a revision (a route setting, on by
default), refused on the page and over the API with its reason and on the record; a one-person department's post
goes up to its managers, then IT security, and its author is told who decides."""

import pytest

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, enrol_totp
from approvals import services
from approvals.models import ApprovalRoute, Decision
from approvals.tests.factories import channel_for, draft, open_stage, submitted
from audit.duties import SeparationOfDuties
from audit.models import AuditEvent
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def comms_reviewer(communications, department):
    """A communications reviewer who is also a reviewer of Marketing: eligible for both stages."""
    return add_member(communications, department, "reviewer")


def _past_department_stage(employee, channel, comms_reviewer):
    post = submitted(employee, channel)
    services.stage_decide(actor=comms_reviewer, stage_review=open_stage(post), outcome="approve")
    return post


def test_one_reviewer_may_not_clear_two_stages_page(client, employee, channel, comms_reviewer):
    post = _past_department_stage(employee, channel, comms_reviewer)
    brand = open_stage(post)
    assert brand.name == "Brand review"
    client.force_login(comms_reviewer)

    response = client.post(f"/posts/reviews/{brand.pk}/decide/", {"outcome": "approve"})

    assert response.status_code == 403
    assert "You already decided another stage of this post" in response.content.decode()
    assert not Decision.objects.filter(stage_review=brand).exists()
    [event] = AuditEvent.objects.filter(action="post.second_stage_refused", actor=comms_reviewer)
    assert (event.target_id, event.data["rule"]) == (str(post.pk), "other_stage")


def test_one_reviewer_may_not_clear_two_stages_api(api_client, employee, channel, comms_reviewer):
    post = _past_department_stage(employee, channel, comms_reviewer)
    api_client.force_authenticate(comms_reviewer)

    response = api_client.post(f"/api/v1/posts/{post.pk}/decide/", {"outcome": "approve"})

    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["rule"]) == ("separation_of_duties", "other_stage")
    assert "each stage needs a different person" in body["detail"]
    assert AuditEvent.objects.filter(action="post.second_stage_refused", actor=comms_reviewer).count() == 1


def test_a_second_brand_reviewer_clears_the_other_stage(employee, channel, comms_reviewer, groups):
    post = _past_department_stage(employee, channel, comms_reviewer)
    other = enrol_totp(UserFactory(email="comms2@example.com", groups=["communications"]))
    services.stage_decide(actor=other, stage_review=open_stage(post), outcome="approve")
    post.refresh_from_db()
    assert post.state == "approved"


def test_the_route_setting_allows_one_person_for_several_stages(client, employee, channel, comms_reviewer, manager):
    # given the manager switches the rule off for Marketing's route, on the routes page
    services.route_stage_add(actor=manager, department=channel.department, name="Legal", role="manager")
    route = ApprovalRoute.objects.get(department=channel.department)
    client.force_login(manager)
    response = client.post(f"/posts/routes/{route.pk}/settings/", {})
    assert response.status_code == 302
    route.refresh_from_db()
    assert route.distinct_reviewers is False
    change = AuditEvent.objects.get(action="route.changed", target_id=str(route.pk))
    assert change.data == {"distinct_reviewers": [True, False]}

    # then one person may decide both stages of a revision
    post = _past_department_stage(employee, channel, comms_reviewer)
    services.stage_decide(actor=comms_reviewer, stage_review=open_stage(post), outcome="approve")
    assert open_stage(post).name == "Legal"


def test_the_route_setting_over_the_api(api_client, manager, department):
    services.route_stage_add(actor=manager, department=department, name="Legal", role="manager")
    route = ApprovalRoute.objects.get(department=department)
    api_client.force_authenticate(manager)

    response = api_client.patch(f"/api/v1/approval-routes/{route.pk}/", {"distinct_reviewers": False})

    assert response.status_code == 200
    assert response.json()["distinct_reviewers"] is False
    assert AuditEvent.objects.filter(action="route.changed", actor=manager).count() == 1


def test_an_author_deciding_their_own_post_over_the_api(api_client, reviewer, channel, department):
    from approvals.tests.factories import join

    join(channel, reviewer, "contributor")
    post = submitted(reviewer, channel)
    api_client.force_authenticate(reviewer)
    response = api_client.post(f"/api/v1/posts/{post.pk}/decide/", {"outcome": "approve"})
    assert response.status_code == 403
    assert (response.json()["code"], response.json()["rule"]) == ("separation_of_duties", "author")
    assert AuditEvent.objects.filter(action="post.self_decision_refused", actor=reviewer).count() == 1


def test_a_delegate_may_not_use_a_delegation_for_a_second_stage(employee, channel, comms_reviewer, groups):
    from approvals.tests.factories import DelegationFactory

    # the comms reviewer decided the department stage; their delegate may not decide the brand stage for them
    post = _past_department_stage(employee, channel, comms_reviewer)
    delegate = enrol_totp(UserFactory(email="stand-in@example.com"))
    DelegationFactory(delegator=comms_reviewer, delegate=delegate)
    with pytest.raises(SeparationOfDuties, match="another stage"):
        services.stage_decide(actor=delegate, stage_review=open_stage(post), outcome="approve")


# --- A one-person department -----------------------------------------------------------------------------------------


@pytest.fixture
def solo(groups):
    """Legal: one reviewer, who writes the post; its manager decides instead."""
    legal = DepartmentFactory(name="Legal", slug="legal")
    writer = enrol_totp(add_member(UserFactory(email="writer@example.com"), legal, "reviewer"))
    return legal, writer


def test_a_one_person_department_s_post_goes_to_its_manager(
    client, solo, django_capture_on_commit_callbacks, messaging_platform
):
    legal, writer = solo
    boss = enrol_totp(add_member(UserFactory(email="legal-boss@example.com"), legal, "manager"))
    channel = channel_for(writer, department=legal, platform=messaging_platform)
    post = draft(writer, channel)
    client.force_login(writer)

    # when the department's only reviewer submits their own post
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/posts/{post.pk}/submit/", follow=True)

    # then the department review goes to the manager (at first the manager was eligible anyway: reviewers and up)
    assert response.status_code == 200
    stage = open_stage(post)
    assert Notification.objects.filter(recipient=boss, event="post.review_requested").exists()
    services.stage_decide(actor=boss, stage_review=stage, outcome="approve")
    post.refresh_from_db()
    assert post.state == "approved"


@pytest.fixture
def messaging_platform(db):
    from policies.tests.factories import PlatformFactory

    return PlatformFactory(kind="messaging")  # no brand stage: the department stage is the only one


def test_a_department_with_no_one_else_goes_to_it_security(
    client, solo, it_security, django_capture_on_commit_callbacks, messaging_platform
):
    legal, writer = solo
    channel = channel_for(writer, department=legal, platform=messaging_platform)
    post = draft(writer, channel)
    client.force_login(writer)

    # when the only person of Legal submits, with no manager there
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/posts/{post.pk}/submit/", follow=True)

    # then they are told IT security decides it, IT security is asked, and may decide
    page = response.content.decode()
    assert "(IT security) will decide its review, since no one else at the usual level may" in page
    stage = open_stage(post)
    assert list(stage.users.all()) == [it_security]
    assert Notification.objects.filter(recipient=it_security, event="post.review_requested").exists()
    assert Notification.objects.filter(recipient=writer, event="post.review_escalated").exists()
    escalated = AuditEvent.objects.get(action="post.stage_escalated")
    assert escalated.data["to"] == [it_security.pk] and escalated.data["why"] == "no_eligible"
    services.stage_decide(actor=it_security, stage_review=stage, outcome="approve")
    post.refresh_from_db()
    assert post.state == "approved"


def test_a_department_with_no_one_else_over_the_api(api_client, solo, it_security, messaging_platform):
    legal, writer = solo
    channel = channel_for(writer, department=legal, platform=messaging_platform)
    post = draft(writer, channel)
    api_client.force_authenticate(writer)

    response = api_client.post(f"/api/v1/posts/{post.pk}/submit/")

    assert response.status_code == 200, response.content
    assert response.json()["deciders"] == {"level": "IT security", "escalated": True, "people": [it_security.email]}


def test_it_security_does_not_hand_someone_s_reviews_to_itself(it_security, reviewer):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    with pytest.raises(SeparationOfDuties, match="concerns you"):
        services.delegation_create(
            actor=it_security, delegator=reviewer, delegate=it_security, starts_at=now, ends_at=now + timedelta(days=1)
        )
    assert AuditEvent.objects.filter(action="access.self_grant_refused", actor=it_security).count() == 1
