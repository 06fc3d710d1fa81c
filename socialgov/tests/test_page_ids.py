"""Pages with several forms: every id once, and every label and description pointing at an element that exists.

Two forms on one page that share a field name (a filter and a form of the page's own, a form in each row of a
list) would both render ``id_<name>``: a label then names the first field only and a screen reader reads the wrong
description. axe-core reports this only as "needs review"; these pages had it.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from approvals.tests.permissions import objects as approval_objects  # noqa: F401 - fixture
from channels_registry.models import AccessRequest
from channels_registry.tests.factories import ReportedAccountFactory
from channels_registry.tests.permissions import objects as world  # noqa: F401 - fixture
from policies.tests.permissions import objects as policy_objects  # noqa: F401 - fixture
from sso.tests.permissions import objects as sso_objects  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.pointers: list[tuple[str, str]] = []  # (attribute, the id it points at)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
            elif (name == "for" and tag == "label") or name == "aria-describedby":
                self.pointers += [(name, target) for target in (value or "").split()]


def assert_ids_sound(html: str) -> None:
    parsed = Ids()
    parsed.feed(html)
    assert [i for i, n in parsed.ids.items() if n > 1] == []
    assert [(attr, target) for attr, target in parsed.pointers if target not in parsed.ids] == []


def test_the_checker_fails_on_a_duplicate_and_a_dangling_pointer():
    with pytest.raises(AssertionError):
        assert_ids_sound('<label for="id_x">X</label><input id="id_x"><input id="id_x">')
    with pytest.raises(AssertionError):
        assert_ids_sound('<input id="id_x" aria-describedby="id_x_helptext">')
    assert_ids_sound('<label for="id_x">X</label><input id="id_x" aria-describedby="h"><span id="h"></span>')


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_lockdowns_page_a_filter_and_the_start_form_share_scope(client, communications):
    assert_ids_sound(_page(client, communications, "/posts/lockdowns/"))


def test_access_requests_a_decide_form_in_each_row(client, world, it_security):  # noqa: F811
    AccessRequest.objects.create(
        kind="channel_role", requester=world["colleague"], channel=world["ours"], role="publisher", reason="Cover"
    )
    html = _page(client, it_security, "/registry/access-requests/")
    assert html.count('name="decision"') == 2
    assert_ids_sound(html)


def test_reported_accounts_a_triage_form_in_each_row(client, world, it_security):  # noqa: F811
    ReportedAccountFactory(reported_by=world["employee"])
    html = _page(client, it_security, "/registry/reported/")
    assert html.count('name="outcome"') == 2
    assert_ids_sound(html)


def test_a_channel_the_activity_and_feed_forms_share_kind(client, world, it_security):  # noqa: F811
    html = _page(client, it_security, f"/registry/channels/{world['ours'].pk}/")
    assert 'name="url"' in html  # the feed form is there
    assert_ids_sound(html)


def test_a_course_attesting_and_recording_share_completed_on(client, policy_objects, it_security):  # noqa: F811
    html = _page(client, it_security, f"/policies/training/{policy_objects['course'].slug}/")
    assert html.count('name="completed_on"') == 2
    assert_ids_sound(html)


@pytest.mark.parametrize("url", ["/posts/new/", "/registry/register/", "/policies/platforms/decisions/new/"])
def test_help_texts_are_where_the_fields_say(client, approval_objects, it_security, employee, url):  # noqa: F811
    user = it_security if "decisions" in url else employee
    html = _page(client, user, url)
    assert "_helptext" in html
    assert_ids_sound(html)


def test_a_providers_domain_and_mapping_forms_show_their_help(client, sso_objects, it_security):  # noqa: F811
    html = _page(client, it_security, f"/sso/{sso_objects['app'].pk}/")
    assert 'id="id_domain_helptext"' in html
    assert_ids_sound(html)
