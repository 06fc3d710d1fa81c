import json

from django import template

from audit.selectors import events_for

register = template.Library()


@register.inclusion_tag("audit/history_panel.html")
def history_panel(obj, limit=50):
    """The object's audit history, newest first (one query)."""
    return {"events": events_for(obj, limit=limit), "obj": obj}


@register.filter
def as_json(value) -> str:
    """Compact, readable JSON for event data (escaped by the template like any text)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
