"""The content check's findings where people read a post: the words marked, the rule and what to do."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from approvals.tests.factories import submitted
from policies.choices import RuleSeverity
from policies.tests.factories import ContentRuleFactory

pytestmark = pytest.mark.django_db


def _marked(text, findings):
    return Template("{% load policies_tags %}{% marked text findings %}").render(
        Context({"text": text, "findings": findings})
    )


def test_the_marked_places_are_the_only_markup_and_the_rest_is_escaped():
    text = "<b>Our</b> rival & the RIVAL"
    findings = [{"severity": "warn", "spans": [[11, 16], [23, 28]]}, {"severity": "block", "spans": [[14, 19]]}]
    assert _marked(text, findings) == (
        '&lt;b&gt;Our&lt;/b&gt; <mark class="finding-warn">rival</mark>'
        '<mark class="finding-block"> &amp; </mark>the <mark class="finding-warn">RIVAL</mark>'
    )


def test_a_text_the_check_reads_differently_is_shown_as_typed_and_unmarked():
    # full-width letters: the check reads their NFKC form, so its places do not fit the text as written
    assert _marked("no ｓｃａｍ here", [{"severity": "block", "spans": [[3, 7]]}]) == "no ｓｃａｍ here"
    # places from before they were kept, or outside the text, mark nothing
    assert _marked("plain <i>", [{"severity": "warn"}]) == "plain &lt;i&gt;"
    assert _marked("short", [{"severity": "warn", "spans": [[2, 40]]}]) == "short"


def test_the_post_page_marks_the_words_and_names_the_rule_and_what_to_do(client, employee, channel, reviewer):
    ContentRuleFactory(name="Competitors", terms="rival", severity=RuleSeverity.WARN, message="Names a competitor.")
    post = submitted(employee, channel, body="Better than our rival, <really>.")
    client.force_login(reviewer)

    page = client.get(reverse("approvals:post_detail", args=[post.pk])).content.decode()

    assert 'Better than our <mark class="finding-warn">rival</mark>, &lt;really&gt;.' in page
    assert "<strong>Competitors</strong>: Names a competitor. — <q>rival</q>" in page
    assert "Check what is marked: reviewers see this warning beside the post." in page


def test_the_queue_row_names_the_rule_and_what_matched(client, employee, channel, reviewer):
    ContentRuleFactory(name="Competitors", terms="rival", severity=RuleSeverity.WARN, message="Names a competitor.")
    submitted(employee, channel, body="Better than our rival.")
    client.force_login(reviewer)

    page = client.get(reverse("approvals:queue")).content.decode()

    assert "<strong>Competitors</strong>: Names a competitor. — <q>rival</q>" in page


def test_the_composer_asks_for_the_live_check_of_the_text_under_its_channel(client, employee, channel):
    client.force_login(employee)
    page = client.get(reverse("approvals:post_create")).content.decode()
    assert 'data-content-check="#findings"' in page and 'data-channel-field="channel"' in page
    assert 'id="findings" aria-live="polite"' in page and 'id="findings-marked"' in page
    assert "js/content-check" in page
