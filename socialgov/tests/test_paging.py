"""Lists that do not count every row, and the bell that stops counting at 99."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from notifications.models import Notification
from socialgov.paging import CappedPaginator


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


@pytest.mark.parametrize("size", [0, 1, 24, 25, 26, 60])
@pytest.mark.parametrize("number", [None, "", "1", 1, "2", "3", "0", "-1", "x", "99"])
def test_the_first_page_counting_paginator_gives_what_paginator_gives(size, number):
    from django.core.paginator import Paginator

    from socialgov.paging import FirstPageCountingPaginator

    # given: a list of rows, a page number as a request might send it
    rows = list(range(size))

    # when
    page, expected = FirstPageCountingPaginator(rows, 25).get_page(number), Paginator(rows, 25).get_page(number)

    # then: the same page, rows and pager
    assert (page.number, list(page.object_list)) == (expected.number, list(expected.object_list))
    assert (page.paginator.count, page.paginator.num_pages) == (expected.paginator.count, expected.paginator.num_pages)
    assert (page.has_next(), page.has_previous()) == (expected.has_next(), expected.has_previous())


@pytest.mark.django_db
def test_a_first_page_with_room_to_spare_is_not_counted(django_assert_num_queries):
    from socialgov.paging import FirstPageCountingPaginator

    # given
    user = UserFactory()
    Notification.objects.bulk_create([Notification(recipient=user, event="x", title=str(i)) for i in range(3)])
    rows = Notification.objects.filter(recipient=user).order_by("-id")

    # then: one query for a short first page; the rows and the count for a full one
    with django_assert_num_queries(1):
        assert len(FirstPageCountingPaginator(rows, 5).get_page(None).object_list) == 3
    with django_assert_num_queries(2):
        page = FirstPageCountingPaginator(rows, 2).get_page(None)
        assert (len(page.object_list), page.paginator.num_pages) == (2, 2)
