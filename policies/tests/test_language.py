"""The policies pages in the reader's language, and the reminders in each recipient's."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from policies import gates, services
from policies.tests.factories import ContentRuleFactory, TrainingCourseFactory, published_policy
from socialgov.testing.languages import back_to_the_site_language, compiled_catalogues  # noqa: F401

pytestmark = pytest.mark.django_db


def _speaking(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


def test_the_policies_list_in_german(client, employee):
    # given
    published_policy(required_to_author=True)
    client.force_login(_speaking(employee, "de"))
    # when
    response = client.get(reverse("policies:policy_list"))
    # then: headings, table headers, badges and the link are German; the policy's title is as it was typed
    text = response.text
    assert response.headers["Content-Language"] == "de"
    assert "<h1>Richtlinien</h1>" in text
    assert "Was fehlt mir noch?</a>" in text
    assert '<th scope="col">Aktuelle Version</th>' in text and '<th scope="col">Bestätigen bis</th>' in text
    assert '<span class="badge badge-warn">zu lesen</span>' in text
    assert '<span class="badge badge-info">Veröffentlichen</span>' in text
    assert "Social Media" in text
    assert "What do I still need?" not in text and "to read" not in text


def test_a_policy_page_in_german(client, employee):
    # given
    policy = published_policy()
    client.force_login(_speaking(employee, "de"))
    # when
    before = client.get(reverse("policies:policy_detail", args=[policy.slug]))
    acknowledged = client.post(reverse("policies:policy_acknowledge", args=[policy.slug]), follow=True)
    # then: the page, its button, and what the person reads once they acknowledged
    today = timezone.localdate().strftime("%Y-%m-%d")
    assert f"Version 1, veröffentlicht am {today}" in before.text
    assert "Lesen Sie sie unten und bestätigen Sie dann." in before.text
    assert "Ich habe Version 1 gelesen und werde sie befolgen</button>" in before.text
    assert "I have read and will follow" not in before.text
    assert [str(m) for m in acknowledged.context["messages"]] == ["Sie haben „Social Media“ (Version 1) bestätigt."]
    assert '<span class="badge badge-ok">bestätigt</span> Sie haben diese Version am' in acknowledged.text


def test_a_policys_history_names_its_audience_in_german(client, communications):
    # given: a draft for the reviewers of departments and IT security
    policy = published_policy()
    services.policy_version_draft(
        actor=communications,
        policy=policy,
        body="New rules.",
        audience_everyone=False,
        audience_roles=["reviewer", "it_security"],
    )
    client.force_login(_speaking(communications, "de"))
    # when
    response = client.get(reverse("policies:policy_detail", args=[policy.slug]))
    # then: the roles by their names, the draft's state and its button in German
    assert "Version 2: Entwurf." in response.text
    assert "IT-Sicherheit, Prüfer der Abteilung</span>" in response.text and "it_security" not in response.text
    assert "Version 2 veröffentlichen</button>" in response.text


def test_the_training_pages_in_german(client, employee):
    # given
    course = TrainingCourseFactory(required_to_author=True, validity_days=365)
    client.force_login(_speaking(employee, "de"))
    # when
    listed = client.get(reverse("policies:course_list"))
    detail = client.get(reverse("policies:course_detail", args=[course.slug]))
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused = client.post(
        reverse("policies:course_detail", args=[course.slug]), {"completed_on": tomorrow, "attested": "on"}
    )
    # then
    assert "<h1>Schulungen</h1>" in listed.text
    assert '<th scope="col">Gültig für</th>' in listed.text and "<td>365 Tage</td>" in listed.text
    assert '<span class="muted">nicht erledigt</span>' in listed.text
    assert "Ein Abschluss gilt 365 Tage. Nötig zum:" in detail.text
    assert '<h2 id="mine-h">Ihre Abschlüsse</h2>' in detail.text
    assert "Meinen Abschluss erfassen</button>" in detail.text
    assert "Ich habe diesen Kurs abgeschlossen und verstanden." in detail.text  # the form's label
    assert refused.status_code == 200  # the service's refusal, on the form as typed
    assert "Der Kurs kann nicht in der Zukunft abgeschlossen werden." in refused.text
    assert "Record my completion" not in detail.text


def test_the_content_check_in_german_down_to_what_the_live_check_writes(client, employee):
    # given
    client.force_login(_speaking(employee, "de"))
    # when
    response = client.get(reverse("policies:content_check"))
    # then: the page, and the words the script writes when no rule applies (it reads them from the page)
    assert "<h1>Einen Text anhand der Inhaltsregeln prüfen</h1>" in response.text
    assert 'data-empty-text="Keine Inhaltsregel trifft auf diesen Text zu."' in response.text
    assert '<button type="submit" class="btn">Prüfen</button>' in response.text
    assert (
        'data-severity-block="Sperren" data-severity-warn="Warnen" data-severity-route="Weiterleiten"' in response.text
    )


def test_a_finding_in_german(client, employee):
    # given: a rule IT wrote (its name and message are data: as typed)
    ContentRuleFactory(name="No scams", message="Do not use this word.", terms="scam")
    client.force_login(_speaking(employee, "de"))
    # when
    response = client.post(reverse("policies:content_check"), {"text": "this is a scam"})
    # then: the badge and what to do are German, the rule's own words are not translated
    assert '<span class="badge badge-danger">Sperren</span>' in response.text
    assert "<strong>No scams</strong>: Do not use this word." in response.text
    assert "Entfernen oder formulieren Sie das Markierte um" in response.text
    assert "Dieser Text kann so nicht eingereicht werden." in response.text


def test_the_policies_list_in_french(client, employee):
    # given
    published_policy()
    client.force_login(_speaking(employee, "fr"))
    # when
    response = client.get(reverse("policies:policy_list"))
    # then
    assert response.headers["Content-Language"] == "fr"
    assert "<h1>Politiques</h1>" in response.text
    assert "Que me manque-t-il encore ?</a>" in response.text
    assert '<span class="badge badge-warn">à lire</span>' in response.text
    assert "<summary>Filtres</summary>" in response.text
    assert "What do I still need?" not in response.text


def test_a_reminder_reaches_each_recipient_in_their_own_language(employee, reviewer, department):
    # given: a German speaker, a French speaker and someone who reads English, all owing one policy due in 5 days
    policy = published_policy()
    due = timezone.localdate() + timedelta(days=5)
    policy.current_version.acknowledge_by = due
    policy.current_version.save(update_fields=["acknowledge_by"])
    english = UserFactory(email="en@example.com")
    _speaking(employee, "de")
    _speaking(reviewer, "fr")
    # when: the weekly task runs, whatever language is active
    with translation.override("fr"):
        assert services.acknowledgement_reminders_send() == 3
    # then
    notes = {n.recipient_id: n for n in Notification.objects.filter(event="policy.reminder")}
    assert notes[employee.pk].title == "Bitte bestätigen Sie „Social Media“"
    assert notes[employee.pk].body == f"Die früheste Frist endet am {due:%Y-%m-%d}."
    assert notes[reviewer.pk].title == "Veuillez prendre connaissance de « Social Media »"
    assert notes[reviewer.pk].body == f"La première échéance est le {due:%Y-%m-%d}."
    assert notes[english.pk].title == "Please acknowledge “Social Media”"
    assert notes[english.pk].body == f"The first is due by {due:%Y-%m-%d}."


def test_the_publication_request_reaches_each_recipient_in_their_own_language(employee, reviewer, communications):
    # given: a draft for everyone
    policy = services.policy_create(actor=communications, title="Brand voice", slug="brand")
    version = services.policy_version_draft(actor=communications, policy=policy, body="Speak plainly.")
    _speaking(employee, "de")
    _speaking(reviewer, "fr")
    # when
    services.policy_version_publish(actor=communications, version=version)
    # then
    notes = {n.recipient_id: n.title for n in Notification.objects.filter(event="policy.published")}
    assert notes[employee.pk] == "Bitte lesen und bestätigen Sie „Brand voice“ (Version 1)"
    assert notes[reviewer.pk] == "Veuillez lire « Brand voice » (version 1) et en prendre connaissance"


def test_the_review_blockers_kept_for_a_person_are_kept_apart_for_each_language(reviewer):
    # given: a policy reviewers must have acknowledged, and the reasons already read (and kept) in English
    published_policy(required_to_review=True)
    english = gates.review_blockers_shown(user=reviewer)
    # when: the same person reads them in German and in French
    with translation.override("de"):
        german = gates.review_blockers_shown(user=reviewer)
    with translation.override("fr"):
        french = gates.review_blockers_shown(user=reviewer)
    # then
    assert [b.message for b in english] == ["Read and acknowledge “Social Media” (version 1)."]
    assert [b.message for b in german] == ["Lesen und bestätigen Sie „Social Media“ (Version 1)."]
    assert [b.message for b in french] == [
        "Lisez « Social Media » (version 1) et confirmez en avoir pris connaissance."
    ]
