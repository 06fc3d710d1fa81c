"""The approvals pages at phone width (390×844) in Chromium: the review queue is cards with the decision in thumb
reach, the menu and the filters folded (that no page scrolls sideways: socialgov/tests/test_phone_layout.py)."""

from __future__ import annotations

import pytest

from socialgov.testing.phone import PHONE, signed_in_context
from socialgov.tests.test_browser import browser  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_the_queue_is_cards_with_the_decision_at_the_bottom(objects, browser, live_server, request):  # noqa: F811
    # given a reviewer with a post waiting, on a phone
    context = signed_in_context(browser, live_server.url, request, "reviewer")
    tab = context.pages[0]
    tab.goto(f"{live_server.url}/posts/queue/")

    # then the menu and the filters are folded behind their buttons, the page starts at its top
    assert tab.evaluate("scrollY") == 0
    assert not tab.get_by_role("link", name="Registry").is_visible()
    assert not tab.locator("form.filters").is_visible()
    assert not tab.locator("#bulk").is_visible()

    # and each post is a card whose three buttons span it, at least 44 px tall, at its bottom
    card = tab.locator("#queue tr[data-queue-row]").first
    box = card.bounding_box()
    assert box["width"] <= PHONE["width"]
    buttons = [card.get_by_role("button", name=name) for name in ("Approve", "Ask for changes", "Reject")]
    boxes = [b.bounding_box() for b in buttons]
    for b in boxes:
        assert b["height"] >= 44
        assert b["width"] >= box["width"] - 40  # the card's width less its padding
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert box["y"] + box["height"] - (boxes[2]["y"] + boxes[2]["height"]) <= 24  # the last thing in the card

    # when the menu is opened, its links show
    tab.locator("summary.menu-toggle").click()
    assert tab.get_by_role("link", name="Registry").is_visible()

    # and a filter that is set keeps the filters open
    tab.goto(f"{live_server.url}/posts/queue/?overdue=false")
    assert tab.locator("form.filters").is_visible()
    context.close()


def test_on_a_wide_screen_the_menu_filters_and_queue_are_as_they_were(objects, browser, live_server, request):  # noqa: F811
    context = signed_in_context(browser, live_server.url, request, "reviewer", viewport={"width": 1280, "height": 900})
    tab = context.pages[0]
    tab.goto(f"{live_server.url}/posts/queue/")

    # the menu's links, the filters and the bulk form show without a click, the folding buttons do not
    assert tab.get_by_role("link", name="Registry").is_visible()
    assert tab.locator("form.filters").is_visible()
    assert tab.locator("#bulk").is_visible()
    assert tab.locator("summary:visible").count() == tab.locator("details.queue-preview > summary").count()
    # and the queue is a table: a post's buttons sit in its last column, beside the post
    row = tab.locator("#queue tr[data-queue-row]").first
    post, decide = row.locator("td.queue-post").bounding_box(), row.locator("td.queue-decide").bounding_box()
    assert decide["x"] > post["x"] + post["width"]
    assert decide["y"] == post["y"]
    context.close()
