from django import template

from records import permissions, selectors

register = template.Library()


@register.inclusion_tag("records/_hold_notice.html", takes_context=True)
def legal_hold_notice(context, obj):
    """ "Kept under a legal hold" on a held object's page (one query); the holds' reasons for record readers only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"holds": selectors.holds_covering(obj), "see_reasons": permissions.can_read_records(user)}
