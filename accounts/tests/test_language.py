"""Languages: a person's choice on the profile (audited), the pages in it, Accept-Language for everyone else, and
e-mails in the recipient's language whoever caused them."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.services import membership_add, user_language_set
from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from audit.sentences import describe
from core.errors import Forbidden, InvalidInput
from notifications import services as notifications
from notifications.choices import EmailMode
from notifications.models import Notification, NotificationPreference
from socialgov.testing.languages import back_to_the_site_language, compiled_catalogues  # noqa: F401

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_german_speaker_sees_their_profile_in_german_and_an_english_one_in_english(client, employee):
    # given: the same person without a choice, then with German chosen
    client.force_login(employee)
    english = client.get(reverse("accounts:profile"))
    employee.language = "de"
    employee.save(update_fields=["language"])

    # when: their browser asks for French, which their profile overrides
    german = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="fr")

    # then
    assert "My profile" in english.text and "Mein Profil" not in english.text
    assert english.headers["Content-Language"] == "en-gb"
    assert "Mein Profil" in german.text and "Sprache speichern" in german.text and "My profile" not in german.text
    assert german.headers["Content-Language"] == "de"


def test_the_profiles_language_costs_no_query(client, employee):
    # given
    client.force_login(employee)
    client.get(reverse("accounts:profile"))  # sessions, caches warm
    with CaptureQueriesContext(connection) as in_english:
        client.get(reverse("accounts:profile"))
    employee.language = "fr"
    employee.save(update_fields=["language"])
    client.get(reverse("accounts:profile"))
    # when
    with CaptureQueriesContext(connection) as in_french:
        response = client.get(reverse("accounts:profile"))
    # then: the person is read anyway; their language comes with them
    assert "Mon profil" in response.text
    assert len(in_french) == len(in_english)


def test_someone_who_chose_nothing_gets_what_their_browser_asks_for(client, employee):
    client.force_login(employee)
    response = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="fr-CH, fr;q=0.9, en;q=0.5")
    assert response.headers["Content-Language"] == "fr"
    assert "Mon profil" in response.text


def test_an_anonymous_visitor_gets_their_browsers_language(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.status_code == 200 and response.headers["Content-Language"] == "de"
    unknown = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert unknown.headers["Content-Language"] == "en-gb"  # LANGUAGE_CODE


def test_choosing_a_language_on_the_profile_keeps_it_audits_it_and_sets_the_cookie(client, employee):
    # given
    client.force_login(employee)

    # when
    response = client.post(reverse("accounts:language"), {"language": "fr"}, follow=True)

    # then: the next page, and the message saying so, are in French
    employee.refresh_from_db()
    assert employee.language == "fr"
    assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
    assert _messages(response) == ["Vos pages et vos e-mails s’affichent désormais dans cette langue : Français."]
    assert "Mon profil" in response.text
    assert "a changé la langue de ses pages et e-mails" in response.text  # the history panel, in French too
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    event = AuditEvent.objects.get(action="user.language_changed")
    assert (event.actor_id, event.target_id, event.data) == (employee.pk, str(employee.pk), {"from": "", "to": "fr"})

    # when: the same choice again, then back to the browser's
    client.post(reverse("accounts:language"), {"language": "fr"})
    client.post(reverse("accounts:language"), {"language": ""}, HTTP_ACCEPT_LANGUAGE="de")

    # then: one event per change, none for the repeat; the cookie is gone
    employee.refresh_from_db()
    assert employee.language == ""
    assert AuditEvent.objects.filter(action="user.language_changed").count() == 2
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""


def test_a_language_socialgov_does_not_speak_is_refused_and_nothing_changes(client, employee):
    client.force_login(employee)
    response = client.post(reverse("accounts:language"), {"language": "xx"}, follow=True)
    employee.refresh_from_db()
    assert employee.language == ""
    assert _messages(response) == ["Choose one of the languages offered."]
    assert not AuditEvent.objects.filter(action="user.language_changed").exists()
    with pytest.raises(InvalidInput):
        user_language_set(actor=employee, user=employee, language="xx")


def test_nobody_chooses_someone_elses_language(employee, it_security):
    with pytest.raises(Forbidden):
        user_language_set(actor=it_security, user=employee, language="de")
    employee.refresh_from_db()
    assert employee.language == ""


def test_a_german_speaker_is_told_and_e_mailed_in_german_by_an_english_manager(
    manager, department, django_capture_on_commit_callbacks
):
    # given: a German speaker and an English one, added by a manager whose pages are in English
    german = UserFactory(email="anna@example.com", full_name="Anna Schmidt")
    german.language = "de"
    german.save(update_fields=["language"])
    english = UserFactory(email="bob@example.com", full_name="Bob Smith")

    # when
    membership_add(actor=manager, department=department, email=german.email)
    membership_add(actor=manager, department=department, email=english.email)
    sent = notifications.notifications_deliver_email(list(Notification.objects.values_list("pk", flat=True)))

    # then: each notification and e-mail in its reader's language
    assert sent == 2
    assert Notification.objects.get(recipient=german).title == "Sie sind jetzt Mitglied von Marketing"
    assert Notification.objects.get(recipient=english).title == "You are now member of Marketing"
    by_recipient = {m.to[0]: m for m in mail.outbox}
    de = by_recipient[german.email]
    assert de.subject == "[socialgov] Sie sind jetzt Mitglied von Marketing"
    assert f"Geändert von {manager}." in de.body and "ändern, wie Sie E-Mails erhalten" in de.body
    assert "In socialgov öffnen" in de.alternatives[0][0] and '<html lang="de">' in de.alternatives[0][0]
    en = by_recipient[english.email]
    assert en.subject == "[socialgov] You are now member of Marketing"
    assert "change how you are e-mailed" in en.body


def test_a_french_speakers_digest_is_in_french(django_capture_on_commit_callbacks):
    # given: two notifications waiting for a French speaker's digest
    person = UserFactory(email="claire@example.com")
    person.language = "fr"
    person.save(update_fields=["language"])
    NotificationPreference.objects.create(user=person, email_mode=EmailMode.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(event="x.y", recipients=[person], title="Un", url="/a/")
        notifications.notify(event="x.z", recipients=[person], title="Deux", url="/b/")

    # when
    assert notifications.digests_send() == 1

    # then
    (message,) = mail.outbox
    assert message.subject == "[socialgov] 2 notifications aujourd’hui"
    assert message.body.startswith("Votre récapitulatif socialgov : 2 notifications")


def test_a_script_is_answered_in_its_tokens_owners_language(token_client, employee):
    # given
    employee.language = "de"
    employee.save(update_fields=["language"])
    client = token_client(employee, scope="write")

    # when
    me = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="fr")
    refused = client.post("/api/v1/me/")

    # then: the language shows, and DRF's own refusal speaks German
    assert me.json()["language"] == "de" and me.headers["Content-Language"] == "de"
    assert refused.status_code == 405 and refused.json()["detail"] == 'Methode "POST" nicht erlaubt.'


def test_the_audit_trail_reads_in_the_readers_language():
    # given: an event as the trail's selector annotates it
    event = SimpleNamespace(
        action="membership.set",
        actor_label="Ann",
        target_type="accounts.membership",
        details={"user": "bob@example.com", "department": "marketing", "before": "member", "after": "reviewer"},
    )
    # when / then: the same row, read by a German, a French and an English reader
    with translation.override("de"):
        assert describe(event).sentence == (
            "Ann hat bob@example.com in der Abteilung „marketing“ die Rolle „reviewer“ gegeben (vorher „member“)"
        )
    with translation.override("fr"):
        assert describe(event).sentence == (
            "Ann a donné à bob@example.com le rôle « reviewer » dans le service « marketing » (auparavant « member »)"
        )
    english = describe(event).sentence
    assert english == "Ann made bob@example.com “reviewer” in the department “marketing” (was “member”)"
