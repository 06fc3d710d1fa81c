"""The list pages' per-row helpers give what the template tags and filters they replace gave."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import timesince_filter
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince

from socialgov.pagekit import local_stamp, page_timesince, pk_url


@pytest.mark.parametrize(
    "viewname", ["approvals:post_detail", "approvals:stage_decide", "channels_registry:channel_detail"]
)
def test_pk_url_is_reverse(viewname):
    url = pk_url(viewname)
    for pk in (1, 7, 42, 7316029485, 10**12):
        assert url(pk) == reverse(viewname, args=[pk])


def test_pk_url_refuses_a_view_without_a_number():
    with pytest.raises(Exception):  # noqa: B017 - NoReverseMatch or ValueError: either way not a silent wrong URL
        pk_url("dashboard")


def _moments():
    now = timezone.now()
    steps = [
        timedelta(0),
        timedelta(seconds=30),
        timedelta(minutes=1, seconds=5),
        timedelta(minutes=59),
        timedelta(hours=1),
        timedelta(hours=5, minutes=3),
        timedelta(days=1),
        timedelta(days=3, hours=5),
        timedelta(days=13),
        timedelta(days=45, hours=2),
        timedelta(days=400),
        timedelta(days=800, hours=7),
    ]
    moments = [now - step - timedelta(seconds=1) for step in steps]
    moments += [now + timedelta(hours=2), date.today() - timedelta(days=10), None, ""]
    moments += [datetime(2020, 1, 31, 12, tzinfo=UTC), datetime(2020, 2, 29, 23, 59, tzinfo=UTC)]
    moments += [datetime(2024, 1, 1, 12, 0)]  # naive
    return moments


def test_page_timesince_is_the_timesince_filter():
    since = page_timesince()
    for _ in range(2):  # the second pass reads the phrases already translated
        for value in _moments():
            assert since(value) == timesince_filter(value), value


def test_page_timesince_counts_minute_by_minute_as_timesince_over_four_weeks():
    # every whole minute up to four weeks and a day ago, a few seconds into it (the short way and Django's meet there)
    now = datetime(2026, 3, 31, 12, 0, 7, 250_000, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        since = page_timesince()
        for minutes in range(0, 29 * 24 * 60 + 1):
            value = now - timedelta(minutes=minutes, seconds=minutes % 60, microseconds=minutes % 1000)
            assert since(value) == timesince(value), minutes
        with translation.override("de"):  # each phrase as it is translated
            since = page_timesince()
            for minutes in (0, 1, 61, 1500, 10081, 20000):
                value = now - timedelta(minutes=minutes)
                assert since(value) == timesince(value), minutes


def test_minute_is_the_date_filter():
    for value in [None, timezone.now(), datetime(2026, 3, 29, 0, 59, tzinfo=UTC)]:
        expected = date_filter(timezone.localtime(value) if value else value, "Y-m-d H:i")
        assert local_stamp(value) == expected
    with timezone.override("Europe/Berlin"):
        value = datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
        assert local_stamp(value) == date_filter(timezone.localtime(value), "Y-m-d H:i") == "2026-03-29 01:59"


def test_html_text_escapes_as_the_template_does():
    from django.template import Context, Template
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from socialgov.pagekit import html_text

    template = Template("{{ v }}")
    for value in ["<b>&\"'</b>", "plain", "", 0, 7, 123456789, None, mark_safe("<i>safe</i>"), gettext_lazy("A <b>")]:
        assert html_text(value) == template.render(Context({"v": value})), value
