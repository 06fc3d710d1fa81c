"""In-app notifications: the pages and /api/v1/notifications/."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from notifications.choices import EmailMode
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

# the user with their groups (the session from the cache), the page of rows (by keyset: nothing counted); the bell's
# unread count, the lockdown banner and the person's memberships were kept in the cache by the page before
LIST_PAGE_QUERIES = 2
# (over the API, force_authenticate: the user's groups, whether they enrolled in two-factor sign-in (a token or a
# session reads both with the person) and, not enrolled, their memberships: does a role of theirs need it?), the
# page of rows
LIST_API_QUERIES = 4


def _notifications(user, count, **kwargs):
    return Notification.objects.bulk_create(
        [Notification(recipient=user, event="post.due", title=f"Item {i}", **kwargs) for i in range(count)]
    )


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Pages --------------------------------------------------------------------------


def test_the_list_page_shows_only_my_notifications(client, employee, outsider):
    # given
    _notifications(employee, 2)
    Notification.objects.create(recipient=outsider, event="x", title="Not for you")
    client.force_login(employee)

    # when
    response = client.get(reverse("notifications:list"))

    # then
    assert response.status_code == 200
    assert [n.title for n in response.context["page"].object_list] == ["Item 1", "Item 0"]
    assert b"Not for you" not in response.content


def test_the_list_page_escapes_titles(client, employee):
    Notification.objects.create(recipient=employee, event="x", title="<script>alert(1)</script>")
    client.force_login(employee)

    response = client.get(reverse("notifications:list"))

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_the_unread_filter_and_garbage_cursors(client, employee):
    (read, unread) = _notifications(employee, 2)
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00:00Z")
    client.force_login(employee)

    for position in ({"page": "nonsense"}, {"after": "nonsense"}, {"before": "WyJ4Il0"}, {"after": "%%"}):
        response = client.get(reverse("notifications:list"), {"unread": "1", **position})

        assert response.status_code == 200
        assert [n.pk for n in response.context["page"].object_list] == [unread.pk]


def test_a_long_list_is_read_by_keyset_older_and_newer_with_the_filter_kept(
    client, employee, django_assert_num_queries
):
    # given more unread notifications than three pages hold, many at the same instant (the id breaks the tie),
    # and read ones the filter leaves out
    made = _notifications(employee, 30 * 3 + 5)
    Notification.objects.filter(pk__in=[n.pk for n in made[10:60]]).update(created_at="2026-01-01T00:00:00Z")
    _notifications(employee, 7, read_at="2026-01-02T00:00:00Z")
    client.force_login(employee)
    expected = list(
        Notification.objects.filter(recipient=employee, read_at__isnull=True)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    first = client.get(reverse("notifications:list"), {"unread": "1"})

    # when following "Older" to the end
    seen, page, pages = [], first.context["page"], [first]
    while True:
        seen += [n.pk for n in page.object_list]
        if not page.has_next:
            break
        html = pages[-1].content.decode()
        assert f'href="?unread=1&amp;after={page.next_cursor}">Older</a>' in html
        with django_assert_num_queries(LIST_PAGE_QUERIES) as ctx:  # a deep page costs what the first does
            pages.append(client.get(reverse("notifications:list"), {"unread": "1", "after": page.next_cursor}))
        assert not any("COUNT" in q["sql"] for q in ctx.captured_queries)
        page = pages[-1].context["page"]

    # then every unread row once, in order, over four pages; the first offers no "Newer", the others do
    assert seen == expected and len(pages) == 4
    assert not first.context["page"].has_previous and all(p.context["page"].has_previous for p in pages[1:])
    # and "Newer" from the second page is the first page again
    second = pages[1].context["page"]
    back = client.get(reverse("notifications:list"), {"unread": "1", "before": second.previous_cursor})
    assert [n.pk for n in back.context["page"].object_list] == expected[:30]
    assert (
        not back.context["page"].has_previous and back.context["page"].next_cursor == first.context["page"].next_cursor
    )


@pytest.mark.parametrize("rows", [3, 30, 45])
def test_the_list_page_query_count_does_not_grow_with_rows(client, employee, django_assert_num_queries, rows):
    # given
    _notifications(employee, rows)
    client.force_login(employee)
    client.get(reverse("notifications:list"))  # warm the session

    # then
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["page"].object_list) == min(rows, 30)
    assert response.context["page"].has_next == (rows > 30)


def test_mark_read_marks_only_my_own(client, employee, outsider):
    # given
    (mine,) = _notifications(employee, 1)
    (theirs,) = _notifications(outsider, 1)
    client.force_login(employee)

    # when
    ok = client.post(reverse("notifications:mark_read", args=[mine.pk]))
    forbidden = client.post(reverse("notifications:mark_read", args=[theirs.pk]))

    # then
    assert ok.status_code == 302
    assert forbidden.status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None
    assert theirs.read_at is None


def test_mark_read_with_open_follows_local_urls_only(client, employee):
    local = Notification.objects.create(recipient=employee, event="x", title="t", url="/profile/")
    evil = Notification.objects.create(recipient=employee, event="x", title="t", url="https://evil.example/")
    client.force_login(employee)

    assert client.post(reverse("notifications:mark_read", args=[local.pk]), {"open": "1"}).url == "/profile/"
    assert client.post(reverse("notifications:mark_read", args=[evil.pk]), {"open": "1"}).url == reverse(
        "notifications:list"
    )


def test_mark_read_needs_post(client, employee):
    (mine,) = _notifications(employee, 1)
    client.force_login(employee)

    assert client.get(reverse("notifications:mark_read", args=[mine.pk])).status_code == 405


def test_mark_all_read_marks_only_mine(client, employee, outsider):
    # given
    _notifications(employee, 3)
    _notifications(outsider, 2)
    client.force_login(employee)

    # when
    response = client.post(reverse("notifications:mark_all_read"))

    # then
    assert response.status_code == 302
    assert _messages(response) == ["3 notifications marked as read."]
    assert not Notification.objects.filter(recipient=employee, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=outsider, read_at__isnull=True).count() == 2


def test_the_profile_page_shows_the_preference_and_saving_it_changes_it(client, employee):
    # given
    client.force_login(employee)
    assert client.get(reverse("accounts:profile")).context["pref_form"].initial == {"email_mode": "immediate"}

    # when
    response = client.post(reverse("notifications:preferences"), {"email_mode": EmailMode.DIGEST})

    # then
    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    assert _messages(response) == ["Your e-mail preference is saved."]
    assert NotificationPreference.objects.get(user=employee).email_mode == EmailMode.DIGEST
    assert client.get(reverse("accounts:profile")).context["pref_form"].initial == {"email_mode": "digest"}


@pytest.mark.parametrize(
    "data",
    [{}, {"email_mode": "weekly"}, {"email_mode": ""}, {"email_mode": "x" * 5000}, {"email_mode": "\x00"}],
)
def test_garbage_to_the_preference_view_gives_a_message_not_an_error(client, employee, data):
    client.force_login(employee)

    response = client.post(reverse("notifications:preferences"), data)

    assert response.status_code == 302
    assert _messages(response) == ["Choose how you want to be e-mailed."]
    assert not NotificationPreference.objects.filter(user=employee).exists()


@pytest.mark.parametrize(
    ("name", "args"),
    [("notifications:list", []), ("notifications:mark_all_read", []), ("notifications:preferences", [])],
)
def test_pages_need_a_sign_in(client, name, args):
    response = client.post(reverse(name, args=args)) if name != "notifications:list" else client.get(reverse(name))
    assert response.status_code == 302
    assert "login" in response.url


# --- API ----------------------------------------------------------------------------

API = "/api/v1/notifications/"


def test_the_api_lists_only_my_notifications(token_client, employee, outsider):
    # given
    read, unread = _notifications(employee, 2)
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00:00Z")
    _notifications(outsider, 2)
    client = token_client(employee, scope="read")

    # when
    everything = client.get(API)
    only_unread = client.get(API, {"unread": "1"})

    # then
    assert everything.status_code == 200
    assert sorted(r["id"] for r in everything.json()["results"]) == sorted([read.pk, unread.pk])
    assert [r["id"] for r in only_unread.json()["results"]] == [unread.pk]


def test_another_users_notification_is_404(token_client, employee, outsider):
    (theirs,) = _notifications(outsider, 1)
    client = token_client(employee)

    assert client.get(f"{API}{theirs.pk}/").status_code == 404
    assert client.post(f"{API}{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_marks_one_and_all_read(token_client, employee, outsider):
    # given
    first, second, third = _notifications(employee, 3)
    _notifications(outsider, 1)
    client = token_client(employee)

    # when
    one = client.post(f"{API}{first.pk}/read/")
    everything = client.post(f"{API}read-all/")

    # then
    assert one.status_code == 200
    assert one.json()["read_at"] is not None
    assert everything.status_code == 200
    assert everything.json() == {"marked": 2}
    assert Notification.objects.filter(recipient=outsider, read_at__isnull=True).count() == 1


def test_a_read_scoped_token_cannot_post(token_client, employee):
    (mine,) = _notifications(employee, 1)
    client = token_client(employee, scope="read")

    assert client.post(f"{API}{mine.pk}/read/").status_code == 403
    assert client.post(f"{API}read-all/").status_code == 403
    mine.refresh_from_db()
    assert mine.read_at is None


def test_the_api_needs_authentication(api_client):
    assert api_client.get(API).status_code in (401, 403)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_list_endpoint_query_count_does_not_grow_with_rows(api_client, employee, django_assert_num_queries, rows):
    # given
    _notifications(employee, rows)
    api_client.force_authenticate(employee)

    # then
    with django_assert_num_queries(LIST_API_QUERIES):
        response = api_client.get(API)
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("pk", ["abc", "1.5", "99999999999999999999999", "-1", "0x10"])
def test_a_malformed_or_unknown_id_is_404_not_500(token_client, employee, pk):
    client = token_client(employee)

    assert client.get(f"{API}{pk}/").status_code == 404
    assert client.post(f"{API}{pk}/read/").status_code == 404


# --- The bell (kept in the cache until the person's notifications change) --------------------------


def _bell(client):
    return client.get(reverse("notifications:list")).context["unread_count"]


def test_the_bell_is_counted_once_then_read_from_the_cache(client, employee):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given
    _notifications(employee, 2)
    client.force_login(employee)
    assert _bell(client) == 2

    # when the same page is opened again
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("notifications:list"))

    # then no unread count is run
    assert not [q for q in ctx.captured_queries if "read_at" in q["sql"] and "COUNT" in q["sql"]]


def test_the_bell_follows_new_read_and_all_read_at_once(client, employee, outsider, django_capture_on_commit_callbacks):
    from notifications.services import notification_mark_read, notifications_mark_all_read, notify

    # given a cached count of 1, and someone else's cached count of 0
    (first,) = _notifications(employee, 1)
    client.force_login(employee)
    assert _bell(client) == 1
    other = type(client)()
    other.force_login(outsider)
    assert _bell(other) == 0

    # when a notification arrives for both
    with django_capture_on_commit_callbacks(execute=True):
        notify(event="post.due", recipients=[employee, outsider], title="Due")
    # then each bell says so on the next page
    assert _bell(client) == 2
    assert _bell(other) == 1

    # when one is read, then all
    with django_capture_on_commit_callbacks(execute=True):
        notification_mark_read(actor=employee, notification=first)
    assert _bell(client) == 1
    with django_capture_on_commit_callbacks(execute=True):
        notifications_mark_all_read(actor=employee)
    assert _bell(client) == 0
    # and the other person's bell is theirs alone
    assert _bell(other) == 1


def test_the_list_endpoint_in_two_queries(token_client, employee, django_assert_num_queries):
    # given: read and unread notifications with payloads, targets and urls, and a token (its first use noted)
    from notifications.api.views import NotificationSerializer

    first, second = _notifications(employee, 2, body="Body <b>", url="/posts/1/", target_type="approvals.post")
    Notification.objects.filter(pk=first.pk).update(read_at="2026-01-01T00:00:00Z", target_id="1", payload={"n": [1]})
    client = token_client(employee, scope="read")
    client.get(API)

    # when: the token (with groups and two-factor), then the rows (the memberships kept)
    with django_assert_num_queries(2):
        body = client.get(API).json()

    # then: every declared field of each, newest first
    assert [n["id"] for n in body["results"]] == [second.pk, first.pk]
    assert [list(row) for row in body["results"]] == [NotificationSerializer.Meta.fields] * 2
    assert body["results"][1]["read_at"] == "2026-01-01T00:00:00Z"
