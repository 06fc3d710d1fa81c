from django import template

register = template.Library()


@register.inclusion_tag("policies/_blockers.html")
def blockers(reasons, intro="Not yet. First:"):
    """A gate's reasons as a list with links to fix each (approvals' composer uses it too)."""
    return {"reasons": reasons, "intro": intro}
