"""The registry in German and French: its pages in the reader's language, and its notifications in each
recipient's, whoever's request (or task) sent them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from channels_registry import services
from channels_registry.choices import ChannelState
from channels_registry.tests.factories import channel_with_custodians
from notifications.models import Notification
from socialgov.testing.languages import back_to_the_site_language, compiled_catalogues  # noqa: F401

pytestmark = pytest.mark.django_db


def _speaks(person, language):
    person.language = language
    person.save(update_fields=["language"])
    return person


def test_the_registry_list_is_in_german_for_a_german_reader(client, employee, colleague, department):
    # given: an active channel, and a reader whose profile says German (their browser asks for French)
    channel_with_custodians(employee, colleague, department=department, display_name="Acme News")
    client.force_login(_speaks(employee, "de"))

    # when
    page = client.get(reverse("channels_registry:channel_list"), HTTP_ACCEPT_LANGUAGE="fr")

    # then: the title, the buttons, the counts, the column headings and the channel's state
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "de"
    text = page.text
    assert "<h1>Kanalverzeichnis</h1>" in text
    assert ">Kanal registrieren</a>" in text and ">Konto melden</a>" in text
    assert "1 insgesamt" in text and "1 aktiv" in text and "0 in Sicherheitsprüfung" in text
    assert '<th scope="col">Letzte Aktivität</th>' in text and '<th scope="col">Verwalter</th>' in text
    assert ">Aktiv</span>" in text
    assert "Channel registry" not in text and "Register a channel" not in text and "in security review" not in text


def test_a_channel_page_is_in_german_for_a_german_reader(client, employee, colleague, department):
    # given
    channel = channel_with_custodians(employee, colleague, department=department)
    client.force_login(_speaks(employee, "de"))

    # when
    page = client.get(reverse("channels_registry:channel_detail", args=[channel.pk]))

    # then: headings, facts, the custodian's button and the empty activity
    text = page.text
    assert '<h2 id="facts-h">Angaben</h2>' in text and '<h2 id="act-h">Was Sie tun können</h2>' in text
    assert "<dt>Zweck</dt>" in text and "<dt>Zielgruppe</dt>" in text and "<dt>Freigabeweg</dt>" in text
    assert '<button type="submit">Aktivität erfassen</button>' in text
    assert '<h2 id="activity-h">Aktivität im Zeitverlauf</h2>' in text and "Noch keine Aktivität erfasst." in text
    assert "What you can do" not in text and "Log activity" not in text and "Facts" not in text


def test_a_channel_page_is_in_french_for_a_french_reader(client, employee, colleague, department):
    # given
    channel = channel_with_custodians(employee, colleague, department=department)
    client.force_login(_speaks(colleague, "fr"))

    # when: their browser asks for German, which their profile overrides
    page = client.get(reverse("channels_registry:channel_detail", args=[channel.pk]), HTTP_ACCEPT_LANGUAGE="de")

    # then
    text = page.text
    assert page.headers["Content-Language"] == "fr"
    assert '<h2 id="facts-h">Informations</h2>' in text and '<h2 id="act-h">Ce que vous pouvez faire</h2>' in text
    assert "<dt>Objet</dt>" in text and "<dt>Responsables</dt>" in text
    assert '<button type="submit">Saisir une activité</button>' in text
    assert '<h2 id="feed-h">Flux</h2>' in text and "Aucune activité enregistrée pour l’instant." in text
    assert "What you can do" not in text and "Log activity" not in text


def test_an_approved_registration_is_told_to_each_in_their_language(employee, colleague, manager, department):
    # given: a proposed channel registered by a German speaker and owned by a French one; the manager reads English
    channel = channel_with_custodians(
        _speaks(colleague, "fr"),
        employee,
        department=department,
        registered_by=_speaks(employee, "de"),
        state=ChannelState.PROPOSED,
        display_name="Acme News",
    )

    # when: the manager approves it, without a note, in an English request
    services.channel_approve(actor=manager, channel=channel)

    # then
    name = manager.get_full_name()
    told = {n.recipient_id: n for n in Notification.objects.filter(event="channel.approved")}
    assert (
        told[employee.pk].title == f"{name} hat Acme News genehmigt: als Nächstes folgt die Sicherheitsprüfung der IT"
    )
    assert told[employee.pk].body == f"Von {name}, ohne Kommentar."
    assert (
        told[colleague.pk].title == f"{name} a approuvé Acme News : la vérification de sécurité de l’informatique suit"
    )
    assert told[colleague.pk].body == f"Par {name}, sans commentaire."
    assert set(told) == {employee.pk, colleague.pk}


def test_an_expired_grant_is_told_to_its_holder_in_their_language(employee, colleague, outsider, department):
    # given: a German and a French holder of grants that ended yesterday
    channel = channel_with_custodians(employee, colleague, department=department, display_name="Acme News")
    yesterday = timezone.localdate() - timedelta(days=1)
    for person, language in ((employee, "de"), (colleague, "fr")):
        _speaks(person, language)
        channel.grants.filter(user=person).update(valid_until=yesterday)

    # when: the nightly task revokes them
    assert services.grants_expire() == 2

    # then: each reads why, in their language; the grant keeps its reason in English
    told = {n.recipient_id: n for n in Notification.objects.filter(event="access.revoked")}
    assert told[employee.pk].title == "Ihr Zugang zu Acme News wurde widerrufen"
    assert told[employee.pk].body == f"Gewährt bis {yesterday:%Y-%m-%d}."
    assert told[colleague.pk].title == "Votre accès à Acme News a été révoqué"
    assert told[colleague.pk].body == f"Accordé jusqu’au {yesterday:%Y-%m-%d}."
    assert set(channel.grants.values_list("revoke_reason", flat=True)) == {f"Granted until {yesterday:%Y-%m-%d}."}


def test_the_dormancy_audit_tells_each_owner_in_their_language(employee, colleague, department):
    # given: two quiet channels, one owned by a German speaker, one by a French one
    past = timezone.now() - timedelta(days=400)
    german = channel_with_custodians(_speaks(employee, "de"), colleague, department=department, display_name="Alpha")
    french = channel_with_custodians(_speaks(colleague, "fr"), employee, department=department, display_name="Beta")
    type(german).objects.filter(pk__in=[german.pk, french.pk]).update(last_activity_at=past, activated_at=past)

    # when
    assert services.dormancy_audit()["flagged"] == 2

    # then
    told = {n.recipient_id: n for n in Notification.objects.filter(event="channel.dormant")}
    assert told[employee.pk].title == "Alpha ist ruhend geworden"
    assert told[employee.pk].body.startswith("Keine Aktivität über die Schwelle der Plattform hinaus auf: Alpha.")
    assert told[colleague.pk].title == "Beta est devenu inactif"
    assert told[colleague.pk].body.startswith("Aucune activité au-delà du seuil de la plateforme sur : Beta.")


def test_the_audit_trails_names_of_registry_records_follow_the_readers_language():
    # given: the trail's target types are built once per language (the models' verbose names are marked)
    from audit.filters import target_types

    # when: a German reader asks first, then a French and an English one
    with translation.override("de"):
        german = dict(target_types())
    with translation.override("fr"):
        french = dict(target_types())
    english = dict(target_types())

    # then: each reads their own, none the first reader's
    assert (german["channels_registry.channel"], german["channels_registry.accessgrant"]) == (
        "Kanal",
        "Zugangsberechtigung",
    )
    assert (french["channels_registry.channel"], french["channels_registry.accessgrant"]) == ("Canal", "Droit d’accès")
    assert (english["channels_registry.channel"], english["channels_registry.accessgrant"]) == (
        "Channel",
        "Access grant",
    )


def test_an_access_request_is_told_to_the_owner_in_their_language(employee, colleague, outsider, department):
    # given: a channel owned by a French speaker; someone else asks for a role on it
    channel = channel_with_custodians(_speaks(colleague, "fr"), employee, department=department, display_name="Acme")

    # when
    services.access_request_create(actor=outsider, kind="channel_role", channel=channel, role="publisher", reason="Hi")

    # then: the owner reads what is asked, the role's name included, in French
    told = Notification.objects.get(event="access.requested", recipient=colleague)
    assert told.title == f"{outsider} demande le rôle Éditeur sur Acme"
    assert told.body == "Hi"
