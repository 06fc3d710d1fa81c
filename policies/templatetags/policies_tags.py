from django import template

from policies import selectors

register = template.Library()


@register.inclusion_tag("policies/_requirements_card.html", takes_context=True)
def requirements_card(context):
    """The dashboard card: policies to acknowledge and training due, in a fixed number of queries."""
    user = context["request"].user
    pending = selectors.pending_acknowledgements(user)
    training = selectors.training_due(user)
    return {"pending": pending, "training": training, "count": len(pending) + len(training)}


@register.inclusion_tag("policies/_blockers.html")
def blockers(reasons, intro="Not yet. First:"):
    """A gate's reasons as a list with links to fix each (approvals' composer uses it too)."""
    return {"reasons": reasons, "intro": intro}
