"""Approvals in the reader's language: the queue and the post page in the person's language, each notification in
its recipient's (whoever's request sent it), the post page's kept rows never shared between languages, and the
labels the audit trail stores kept in the code's English."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from approvals import selectors, services
from approvals.tests.factories import open_stage, submitted
from audit.models import AuditEvent
from notifications.models import Notification
from socialgov.testing.languages import back_to_the_site_language, compiled_catalogues  # noqa: F401

pytestmark = pytest.mark.django_db


def main_of(page: str) -> str:
    """The page's own content (the layout around it is marked on its own, README "Languages")."""
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def speaks(person, language):
    person.language = language
    person.save(update_fields=["language"])
    return person


@pytest.mark.parametrize(
    ("language", "heading", "button", "english"),
    [
        ("de", "<h1>Prüfwarteschlange</h1>", ">Änderungen verlangen</button>", "Ask for changes"),
        ("fr", "<h1>File de relecture</h1>", ">Demander des modifications</button>", "Ask for changes"),
    ],
)
def test_a_reviewer_reads_the_queue_in_their_language(
    client, employee, channel, reviewer, language, heading, button, english
):
    # given: a post waiting for a reviewer who reads another language than the site's
    post = submitted(employee, channel)
    client.force_login(speaks(reviewer, language))

    # when
    page = main_of(client.get(reverse("approvals:queue")).text)

    # then: the page's own words are in their language; the post's text and the stage's name are as written
    assert heading in page and button in page
    assert english not in page and "Review queue" not in page and "Approve" not in page
    assert post.body in page and "Department review" in page


def test_a_german_reviewer_reads_the_post_page_in_german(client, employee, channel, reviewer):
    # given
    post = submitted(employee, channel)
    client.force_login(speaks(reviewer, "de"))

    # when
    page = main_of(client.get(reverse("approvals:post_detail", args=[post.pk])).text)

    # then: its headings, its state and the decision's buttons are German
    assert '<h2 id="revisions-title">Revisionen</h2>' in page
    assert '<h2 id="comments-title">Kommentare</h2>' in page
    assert '<span class="badge badge-warn">In Prüfung</span>' in page
    assert ">Freigeben</button>" in page and ">Ablehnen</button>" in page
    assert "Revisions" not in page and ">Approve</button>" not in page


def test_each_reviewer_is_asked_in_their_own_language_whoever_submits(
    employee, channel, reviewer, second_reviewer, django_capture_on_commit_callbacks
):
    # given: two reviewers of the department, one reading German, one French
    speaks(reviewer, "de")
    speaks(second_reviewer, "fr")

    # when: the author submits from a request in English
    with translation.override("en-gb"), django_capture_on_commit_callbacks(execute=True):
        post = submitted(employee, channel)

    # then: each request for review is written in its recipient's language, the stage's name as it was named
    german = Notification.objects.get(recipient=reviewer, event="post.review_requested")
    french = Notification.objects.get(recipient=second_reviewer, event="post.review_requested")
    assert german.title == f"Prüfung: Beitrag auf {channel.display_name} (Department review)"
    assert french.title == f"Relecture : publication sur {channel.display_name} (Department review)"
    assert german.body == french.body == post.body


def test_the_author_hears_a_decision_in_their_language_not_the_reviewers(
    employee, channel, reviewer, communications, django_capture_on_commit_callbacks
):
    # given: a German author; the reviewer deciding reads French
    post = submitted(speaks(employee, "de"), channel)
    speaks(reviewer, "fr")

    # when: the reviewer approves without a comment, from a request in French
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        services.stage_decide(actor=reviewer, stage_review=open_stage(post), outcome="approve")

    # then: the author's notification is German, the "without a comment" line too
    [note] = Notification.objects.filter(recipient=employee, event="post.stage_approved")
    name = reviewer.get_full_name()
    assert note.title == f"Department review bestanden: {name} hat Ihren Beitrag auf {channel.display_name} freigegeben"
    assert note.body == f"Von {name}, ohne Kommentar.\nAls Nächstes: Brand review."


def test_the_post_page_kept_for_one_language_is_not_served_to_another(client, employee, channel, reviewer, monkeypatch):
    # given: a post, and its page's rows counted each time they are read from the database
    post = submitted(employee, channel)
    reads = []
    computed = selectors._post_parts
    monkeypatch.setattr(selectors, "_post_parts", lambda pk: reads.append(pk) or computed(pk))
    url = reverse("approvals:post_detail", args=[post.pk])
    client.force_login(speaks(reviewer, "de"))
    german = client.get(url).text

    # when: a French reader opens it, then the German one again
    client.force_login(speaks(employee, "fr"))
    french = client.get(url).text
    client.force_login(reviewer)
    again = client.get(url).text

    # then: each language has its own kept copy (read once each), and each page is in its reader's language
    assert reads == [post.pk, post.pk]
    assert '<h2 id="revisions-title">Révisions</h2>' in french and "Revisionen" not in french
    assert '<h2 id="revisions-title">Revisionen</h2>' in german and "Révisions" not in german
    assert '<h2 id="revisions-title">Revisionen</h2>' in again


def test_a_lockdown_reads_in_the_readers_language_and_is_audited_in_english(department, communications, client):
    # given: a lockdown started from a request in German
    with translation.override("de"):
        lockdown = services.lockdown_start(
            actor=communications, reason="Krise", scope="department", department=department
        )

    # then: the trail keeps the code's English label; a German reader sees the scope in German
    event = AuditEvent.objects.get(action="lockdown.started")
    assert event.target_text == "Lockdown of the Marketing department"
    with translation.override("de"):
        assert lockdown.scope_label == "Abteilung Marketing"
    client.force_login(speaks(communications, "de"))
    page = client.get(reverse("approvals:lockdown_end_confirm", args=[lockdown.pk])).text
    assert "<h1>Sperre beenden: Abteilung Marketing?</h1>" in page
