"""Lists that do not count every row, and the bell that stops counting at 99."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from core.paging import CappedPaginator
from notifications.models import Notification


def test_a_short_list_is_counted_exactly():
    # given fewer rows than the cap
    page = CappedPaginator(list(range(30)), 25, cap=100).get_page(1)

    # then the pager knows the end
    assert page.paginator.count == 30
    assert page.paginator.num_pages == 2
    assert not page.paginator.capped


def test_a_long_list_is_counted_up_to_the_cap_and_next_stays_offered():
    # given many more rows than the cap
    rows = list(range(10_000))

    # when the first page is asked for
    first = CappedPaginator(rows, 25, cap=100).get_page(1)

    # then four pages are counted, with more beyond
    assert first.paginator.count == 100
    assert first.paginator.capped
    assert first.paginator.num_pages == 4

    # when a page past the cap is asked for, it is counted one page further, and Next is still there
    deep = CappedPaginator(rows, 25, cap=100).get_page(40)
    assert deep.number == 40
    assert list(deep.object_list) == list(range(975, 1000))
    assert deep.has_next()
    assert deep.paginator.capped


def test_garbage_page_numbers_give_the_first_page():
    assert CappedPaginator(list(range(5)), 25).get_page("x").number == 1
    assert CappedPaginator(list(range(5)), 25).get_page("-3").number == 1


@pytest.mark.django_db
def test_a_queryset_is_counted_by_its_keys_only(django_assert_num_queries):
    # given 30 people
    UserFactory.create_batch(30)
    from accounts.models import User

    # when the paginator counts them with a cap of 25 rows
    with django_assert_num_queries(1):
        paginator = CappedPaginator(User.objects.order_by("id"), 10, cap=25)
        paginator.get_page(1)
        count = paginator.count

    # then it stops at the cap
    assert count == 25
    assert paginator.capped


@pytest.mark.django_db
def test_the_bell_says_99_plus_beyond_99_unread(client):
    # given someone with 120 unread notifications
    person = UserFactory()
    Notification.objects.bulk_create(
        [Notification(recipient=person, event="test", title=f"N {i}", email_state="skipped") for i in range(120)]
    )
    client.force_login(person)

    # when they open a page
    response = client.get(reverse("notifications:list"))

    # then the bell shows 99+
    assert response.context["unread_count"] == "99+"
    assert b'data-testid="unread-count">99+</span>' in response.content


@pytest.mark.django_db
def test_the_bell_counts_exactly_below_100(client):
    person = UserFactory()
    Notification.objects.bulk_create(
        [Notification(recipient=person, event="test", title=f"N {i}", email_state="skipped") for i in range(7)]
    )
    client.force_login(person)
    assert client.get(reverse("notifications:list")).context["unread_count"] == 7
