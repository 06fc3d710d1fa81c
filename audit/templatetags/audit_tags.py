import json

from django import template

from audit.selectors import events_for
from audit.sentences import describe as describe_event

register = template.Library()


@register.inclusion_tag("audit/history_panel.html")
def history_panel(obj, limit=50):
    """The object's audit history, newest first (one query)."""
    return {"events": events_for(obj, limit=limit), "obj": obj}


@register.filter
def as_json(value) -> str:
    """Compact, readable JSON for event data (escaped by the template like any text)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@register.simple_tag
def describe(event):
    """``{% describe e as d %}``: the event's sentence and changed fields (plain text; the template escapes it)."""
    return describe_event(event)
