"""The layout (templates/base.html): the bell and the lockdown banner come from the cache in one round trip."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_bell_and_the_banner_are_read_from_the_cache_in_one_round_trip(client, employee, communications):
    from unittest import mock

    from django.core.cache import caches

    from approvals.selectors import BANNER_KEY
    from approvals.services import lockdown_start
    from notifications.selectors import unread_key

    # given a lockdown in force, a page seen once (the bell and the banner kept)
    lockdown_start(actor=communications, reason="Statement pending")
    client.force_login(employee)
    client.get("/posts/")

    # when the page is seen again
    cache = caches["default"]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        page = client.get("/posts/").content.decode()

    # then one round trip read both, and the banner shows the lockdown
    layout = [c.args[0] for c in get_many.call_args_list if BANNER_KEY in c.args[0]]
    assert layout == [[unread_key(employee.pk), BANNER_KEY]]
    assert "Lockdown: publishing is paused for everything." in page


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/"])
def test_signed_out_pages_render_the_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b'class="brand" href="/"' in response.content


def test_the_bell_has_no_aria_label_so_its_name_is_its_visible_text(client, employee):
    # axe "label-content-name-mismatch": the accessible name must contain the visible text
    client.force_login(employee)
    page = client.get("/posts/").content.decode()
    start = page.index('class="bell"')
    bell = page[start : page.index("</a>", start)]
    assert "aria-label" not in bell
    assert "Notifications" in bell


def test_the_lockdowns_actions_header_has_text(client, communications):
    from django.urls import reverse

    from approvals.services import lockdown_start

    lockdown_start(actor=communications, reason="Statement pending")
    client.force_login(communications)
    page = client.get(reverse("approvals:lockdowns")).content.decode()
    assert '<th scope="col"></th>' not in page
    assert '<span class="visually-hidden">Actions</span>' in page


def test_favicon_ico_leads_to_the_icon_every_page_links(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert finders.find("img/favicon.svg")
    assert 'rel="icon"' in client.get("/accounts/login/").content.decode()
