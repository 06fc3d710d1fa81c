"""The review queue's rows, built in Python.

``approvals/_queue_row.html`` is what each row renders; the template engine's lookups and filters for 25 rows
were most of the queue page's rendering. ``queue_rows`` gives back what ``{% for s in rows %}`` around that
template gave, byte for byte (``approvals/tests/test_queue_rows.py`` holds them equal, hostile text included):
every value goes through ``socialgov.pagekit.html_text``, escaped exactly as ``{{ value }}`` escapes it
(``format_html`` did the same at twice the cost).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from socialgov.pagekit import html_text

register = template.Library()

_ROW = (
    "<tr data-queue-row>\n"
    '    <td><a href="{post_url}">{summary}</a><br>\n'
    '      <span class="muted">{channel} ({platform}) · {department} · by {author} · revision {revision}</span>\n'
    "      {warnings}\n"
    "    </td>\n"
    "    <td>{name}{approvals}</td>\n"
    "    <td>{waiting}<br>\n"
    "      {badge}\n"
    '      <span class="muted">due {due}</span></td>\n'
    "    <td>\n"
    '      <form method="post" action="{decide_url}" class="decide">\n'
    '        {csrf}<input type="hidden" name="next" value="{here}">\n'
    '        <label for="comment-{pk}">Comment</label>\n'
    '        <textarea id="comment-{pk}" name="comment" rows="2" placeholder="Required to ask for changes or reject">'
    "</textarea>\n"
    '        <span class="row">\n'
    '          <button type="submit" name="outcome" value="approve" class="btn" data-key="a">Approve</button>\n'
    '          <button type="submit" name="outcome" value="request_changes" class="btn btn-secondary" data-key="c">'
    "Ask for changes</button>\n"
    '          <button type="submit" name="outcome" value="reject" class="btn btn-danger" data-key="r">'
    "Reject</button>\n"
    "        </span>\n"
    "      </form>\n"
    "    </td>\n"
    "  </tr>"
)
_WARNING = '<br><span class="badge badge-warn">check</span> '
_APPROVALS = '<br><span class="muted">{} of {} approvals</span>'
_OVERDUE = '<span class="badge badge-danger">overdue</span>'
_DUE_SOON = '<span class="badge badge-warn">due soon</span>'
_WITHIN = '<span class="badge badge-ok">within SLA</span>'


def _csrf_input(token) -> str:
    """``{% csrf_token %}``."""
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{html_text(token)}">'


def _badge(overdue: bool, due_soon: bool) -> str:
    return _OVERDUE if overdue else _DUE_SOON if due_soon else _WITHIN


def due_badge(due_at, now) -> str:
    """The badge of a stage due at ``due_at``: overdue, due within four hours, or within its SLA."""
    overdue = due_at is not None and due_at <= now
    return _badge(overdue, not overdue and due_at is not None and due_at <= now + timedelta(hours=4))


def queue_row(s: dict[str, Any], here: str, csrf: str) -> str:
    """One row: ``approvals/_queue_row.html`` for ``s`` (a row of the queue view); its badge is ``s["badge"]``
    (markup) when the view gave one, else that of ``s["overdue"]`` and ``s["due_soon"]``. ``here`` is escaped
    already, ``csrf`` is markup."""
    e = html_text
    approvals = _APPROVALS.format(e(s["approvals"]), e(s["required"])) if s["required"] > 1 else ""
    badge = s.get("badge") or _badge(s["overdue"], s["due_soon"])
    return _ROW.format(
        post_url=e(s["post_url"]),
        summary=e(s["summary"]),
        channel=e(s["channel"]),
        platform=e(s["platform"]),
        department=e(s["department"]),
        author=e(s["author"]),
        revision=e(s["revision"]),
        warnings="".join(_WARNING + e(f.get("message", "")) for f in s["warnings"]),
        name=e(s["name"]),
        approvals=approvals,
        waiting=e(s["waiting"]),
        badge=badge,
        due=e(s["due"]),
        decide_url=e(s["decide_url"]),
        csrf=csrf,
        here=here,
        pk=e(s["pk"]),
    )


@register.simple_tag(takes_context=True)
def queue_rows(context, rows, here) -> SafeString:
    """``{% for s in rows %}`` + the row template + ``{% endfor %}``, with the same whitespace around each row."""
    csrf, here = _csrf_input(context.get("csrf_token")), html_text(here)
    return mark_safe("".join(f"\n  {queue_row(s, here, csrf)}\n  " for s in rows))  # noqa: S308 - every value escaped
