"""The registry list's rows are built with format_html (channels_registry.views.channel_rows_html): the same
bytes as the row template they replace (channels_registry/_channel_row.html), whatever the text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from channels_registry.choices import ChannelState
from channels_registry.views import channel_rows_html

HOSTILE = '<script>alert(\'x\')</script> & "quoted" =HYPERLINK("http://evil.example")'


def row(**changes):
    c = {
        "pk": 4,
        "url": "/registry/channels/4/",
        "display_name": "Brand on X",
        "handle": "@brand",
        "platform_name": "X",
        "department_name": "Marketing",
        "state": "active",
        "badge": "badge-ok",
        "state_label": "Active",
        "orphaned_at": None,
        "custodian_count": 2,
        "last_activity_at": timezone.now() - timedelta(days=3),
        "last_activity": "3 days",
    }
    c.update(changes)
    return c


ROWS = {
    "plain": row(),
    "hostile everywhere": row(
        url=f'/registry/channels/4/"{HOSTILE}',
        display_name=HOSTILE,
        handle=HOSTILE,
        platform_name=HOSTILE,
        department_name=HOSTILE,
        badge=f'x" onmouseover="{HOSTILE}',
        state_label=HOSTILE,
        last_activity=HOSTILE,
    ),
    "orphaned, no activity yet": row(orphaned_at=timezone.now(), last_activity_at=None, last_activity=""),
    "missing names and count": row(platform_name=None, department_name=None, custodian_count=None),
    "a state's own label": row(state_label=ChannelState.DORMANT.label),
    # the page is kept whole and formatted again on each view (socialgov.pagekit.kept_page): braces stay text
    "braces in the text": row(display_name="{url} {0} }{", handle="{last_activity}", platform_name="{", badge="}"),
}


@pytest.mark.parametrize("case", list(ROWS))
def test_a_row_is_what_the_row_template_renders(case):
    c = ROWS[case]
    expected = "\n  " + render_to_string("channels_registry/_channel_row.html", {"c": c}).strip() + "\n  "
    assert channel_rows_html([c]) == expected


def test_the_rows_follow_each_other_as_the_loop_wrote_them():
    rows = list(ROWS.values())
    assert channel_rows_html(rows) == "".join(channel_rows_html([c]) for c in rows)
    assert channel_rows_html([]) == ""
