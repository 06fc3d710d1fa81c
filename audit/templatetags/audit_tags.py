import json

from django import template

from audit.filters import target_types
from audit.sentences import describe as describe_event

register = template.Library()

# The history panel (``audit/history_panel.html``) shows the ``events`` its view read (``events_for``): no tag
# queries.


@register.filter
def as_json(value) -> str:
    """Compact, readable JSON for event data (escaped by the template like any text)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@register.simple_tag
def describe(event):
    """``{% describe e as d %}``: the event's sentence and changed fields (plain text; the template escapes it)."""
    return describe_event(event)


@register.filter
def target_kind(label: str) -> str:
    """``approvals.post`` as people read it ("Post"); a label we do not know, as it is."""
    return dict(target_types()).get(label, label)
