import json

from django import template

register = template.Library()

# The history panel (``audit/history_panel.html``) shows the ``events`` its view read (``events_for``): no tag
# queries.


@register.filter
def as_json(value) -> str:
    """Compact, readable JSON for event data (escaped by the template like any text)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
