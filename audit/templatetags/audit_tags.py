import json

from django import template
from django.utils.html import format_html, format_html_join

from audit.selectors import events_for
from socialgov.pagekit import local_stamp

register = template.Library()


@register.inclusion_tag("audit/history_panel.html")
def history_panel(obj, limit=50):
    """The object's audit history, newest first (one query)."""
    return {"events": events_for(obj, limit=limit), "obj": obj}


@register.filter
def as_json(value) -> str:
    """Compact, readable JSON for event data (escaped by the template like any text)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


_ROW = (
    "<tr>\n"
    "    <td>{}</td><td>{}</td><td>{}</td>\n"
    '    <td class="nowrap"><code>{}</code></td>\n'
    '    <td>{} <span class="muted">({} {})</span></td>\n'
    "    <td><code>{}</code>{}</td>\n"
    "  </tr>"
)
_FROM = '<br><span class="muted">from {}</span>'
ROW_FIELDS = ("id", "created_at", "actor_label", "action", "target_label", "target_type", "target_id", "details", "ip")


@register.simple_tag
def event_rows(events) -> str:
    """The trail's table rows, built in Python: what ``audit/_event_row.html`` renders for each event
    (a test holds them equal), without the template engine's per-variable lookups (most of the page's
    CPU for 50 rows). Events are model instances or ``.values()`` rows; every value is escaped."""
    return format_html_join("\n  ", _ROW, (_row_values(e) for e in events))


def _row_values(e) -> tuple:
    if not isinstance(e, dict):
        e = {name: getattr(e, name) for name in ROW_FIELDS}
    return (
        e["id"],
        local_stamp(e["created_at"], seconds=True),
        e["actor_label"],
        e["action"],
        e["target_label"],
        e["target_type"],
        e["target_id"],
        as_json(e["details"]),
        format_html(_FROM, e["ip"]) if e["ip"] else "",
    )
