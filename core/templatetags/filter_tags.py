from django import template

from core.filterkit import filter_summary

register = template.Library()


@register.inclusion_tag("widgets/filter_summary.html")
def filters_set(form):
    """What the page is filtered by, in words: ``Channel: Marketing on LinkedIn`` (names, never ids)."""
    return {"shown": filter_summary(form)}
