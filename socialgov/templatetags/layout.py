"""The layout's parts that change between two views of the same page (``templates/layout/<name>.html``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def per_view(context, name: str) -> SafeString:
    """``{% include "layout/<name>.html" %}``; in a page kept whole (``socialgov.pagekit.kept_page``), a mark
    where the part goes, rendered on each view (``socialgov.context_processors.layout_parts``)."""
    later = context.get("kept_later")
    if later is not None:
        return later.part(name)
    return context.template.engine.get_template(f"layout/{name}.html").render(context)
