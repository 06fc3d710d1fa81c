"""Communications and IT security write policies, versions, courses and content rules from socialgov's own pages
(the Django admin is for superusers): each through its service, audited, and a refused form keeps what was typed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Notification
from policies.choices import VersionState
from policies.models import ContentRule, Policy, TrainingCourse
from policies.tests.factories import ContentRuleFactory, TrainingCourseFactory, platform, published_policy

pytestmark = pytest.mark.django_db


def actions(target_pk=None):
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_communications_creates_drafts_and_publishes_a_policy_from_pages(client, communications, employee):
    client.force_login(communications)

    # when they create the policy, they are taken to write its first version
    response = client.post(
        reverse("policies:policy_new"),
        {"title": "Travel & posting", "slug": "travel", "summary": "Abroad", "required_to_author": "on"},
    )
    assert response.status_code == 302 and response["Location"] == "/policies/travel/versions/new/"
    policy = Policy.objects.get(slug="travel")
    assert policy.required_to_author and policy.current_version is None

    # and the draft they save binds no one yet
    response = client.post(
        response["Location"], {"body": "Ask **first**.", "change_note": "First", "audience_everyone": "on"}
    )
    assert response.status_code == 302
    [version] = policy.versions.all()
    assert version.state == VersionState.DRAFT
    assert not Notification.objects.filter(event="policy.published").exists()

    # when they publish it from the policy's page
    page = client.get(reverse("policies:policy_detail", args=["travel"])).content.decode()
    publish = reverse("policies:policy_version_publish", args=["travel", 1])
    assert f'action="{publish}"' in page and "/admin/" not in page
    assert client.post(publish).status_code == 302

    # then it is current, its audience is asked, and each step is in the trail
    policy.refresh_from_db()
    assert policy.current_version == version
    assert Notification.objects.filter(event="policy.published", recipient=employee).exists()
    assert actions()[-3:] == ["policy.created", "policy.version_drafted", "policy.published"]


def test_a_new_version_starts_from_the_current_text_and_a_refusal_keeps_the_typing(client, it_security):
    # given
    published_policy(slug="social-media")
    client.force_login(it_security)
    url = reverse("policies:policy_version_new", args=["social-media"])
    assert "Be kind. **Never** share passwords." in client.get(url).content.decode()

    # when the draft names no audience
    response = client.post(url, {"body": "Be kinder <b>still</b>.", "change_note": "Kinder & shorter"})

    # then the form says so and shows what was typed (escaped)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Name who must acknowledge it" in page
    assert "Be kinder &lt;b&gt;still&lt;/b&gt;." in page
    assert 'value="Kinder &amp; shorter"' in page


def test_editing_a_policy_changes_what_it_requires_and_is_audited(client, communications):
    policy = published_policy(slug="social-media")
    client.force_login(communications)
    response = client.post(
        reverse("policies:policy_edit", args=["social-media"]),
        {"title": "Social media", "slug": "social-media", "summary": "How we speak", "required_to_review": "on"},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.required_to_review and policy.summary == "How we speak"
    event = AuditEvent.objects.get(action="policy.changed")
    assert set(event.data["changed"]) >= {"summary", "required_to_review"}


@pytest.mark.parametrize("slug", ["new", "mine", "training"])
def test_a_policy_may_not_take_the_address_of_a_page(client, communications, slug):
    client.force_login(communications)
    response = client.post(reverse("policies:policy_new"), {"title": "Mine", "slug": slug})
    assert response.status_code == 200 and "the address of another page" in response.content.decode()
    assert not Policy.objects.exists()


def test_a_rule_with_a_broken_pattern_is_refused_as_typed(client, communications):
    client.force_login(communications)
    data = {
        "name": "Codename <Falcon>",
        "kind": "pattern",
        "severity": "block",
        "message": "Do not name the project",
        "pattern": "falcon-([0-9",
        "is_active": "on",
    }
    response = client.post(reverse("policies:rule_new"), data)
    page = response.content.decode()
    assert response.status_code == 200 and "Not a valid regular expression" in page
    assert 'value="Codename &lt;Falcon&gt;"' in page and 'value="falcon-([0-9"' in page
    assert not ContentRule.objects.exists()


def test_a_rule_is_created_and_changed_from_pages_with_its_scope(client, it_security, department):
    client.force_login(it_security)
    x = platform("x")
    response = client.post(
        reverse("policies:rule_new"),
        {
            "name": "Competitors",
            "kind": "lexicon",
            "severity": "warn",
            "message": "Don't name them",
            "terms": "rival\nother co",
            "departments": [department.pk],
            "platforms": [x.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = ContentRule.objects.get()
    assert rule.created_by == it_security
    assert list(rule.departments.all()) == [department] and list(rule.platforms.all()) == [x]
    listing = client.get(reverse("policies:rule_list")).content.decode()
    assert reverse("policies:rule_edit", args=[rule.pk]) in listing and "/admin/" not in listing

    response = client.post(
        reverse("policies:rule_edit", args=[rule.pk]),
        {"name": "Competitors", "kind": "lexicon", "severity": "block", "message": "No", "terms": "rival"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.severity == "block" and not rule.is_active and not rule.departments.exists()
    assert [a for a in actions() if a.startswith("content_rule")] == ["content_rule.created", "content_rule.changed"]


def test_a_course_names_its_trainers_by_address_and_an_unknown_one_keeps_the_typing(client, communications, reviewer):
    client.force_login(communications)
    data = {"title": "Crisis comms", "slug": "crisis", "validity_days": 180, "trainers": "nobody@example.com"}
    response = client.post(reverse("policies:course_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "No active person with the address nobody@example.com." in page and 'value="Crisis comms"' in page

    response = client.post(reverse("policies:course_new"), {**data, "trainers": reviewer.email.upper()})
    assert response.status_code == 302 and response["Location"] == "/policies/training/crisis/"
    course = TrainingCourse.objects.get(slug="crisis")
    assert list(course.trainers.all()) == [reviewer]
    assert AuditEvent.objects.filter(action="training.course_created").count() == 1


def test_the_course_page_offers_editing_to_writers_only(client, communications, employee):
    course = TrainingCourseFactory(slug="social-101")
    edit = reverse("policies:course_edit", args=[course.slug])
    client.force_login(employee)
    assert edit not in client.get(reverse("policies:course_detail", args=[course.slug])).content.decode()
    client.force_login(communications)
    assert edit in client.get(reverse("policies:course_detail", args=[course.slug])).content.decode()
    response = client.post(edit, {"title": "Social 101", "slug": "social-101", "validity_days": 90})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.validity_days == 90


@pytest.mark.parametrize("name", ["policy_list", "course_list", "rule_list"])
def test_the_lists_link_to_the_pages_not_the_admin(client, communications, name):
    ContentRuleFactory()
    client.force_login(communications)
    page = client.get(reverse(f"policies:{name}")).content.decode()
    assert "/admin/" not in page
    new = {"policy_list": "policy_new", "course_list": "course_new", "rule_list": "rule_new"}[name]
    assert f'href="{reverse("policies:" + new)}"' in page


def test_the_api_changes_a_policy_through_its_service(token_client, communications):
    published_policy(slug="social-media")
    response = token_client(communications).patch(
        "/api/v1/policies/social-media/", {"summary": "How we speak", "required_to_review": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "How we speak"
    assert AuditEvent.objects.filter(action="policy.changed").count() == 1
    taken = token_client(communications).patch("/api/v1/policies/social-media/", {"slug": "new"}, format="json")
    assert taken.status_code == 400 and "slug" in taken.json()["fields"]
