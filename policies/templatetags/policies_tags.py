import unicodedata

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

register = template.Library()


@register.inclusion_tag("policies/_blockers.html")
def blockers(reasons, intro=""):
    """A gate's reasons as a list with links to fix each (approvals' composer uses it too)."""
    return {"reasons": reasons, "intro": intro or _("Not yet. First:")}


# A finding's or rule's severity on its badge: the word the pages explain ("Block: ...", "Warn: ...", "Route: ...").
SEVERITY_WORDS = {
    "block": pgettext_lazy("content rule severity", "block"),
    "warn": pgettext_lazy("content rule severity", "warn"),
    "route": pgettext_lazy("content rule severity", "route"),
}


@register.filter
def severity_word(severity):
    """``severity`` (a code: block, warn, route) as the reader's language names it."""
    return SEVERITY_WORDS.get(severity, severity)


@register.filter
def audience_names(roles):
    """A policy version's audience roles (codes) as the reader's language names them, comma-separated."""
    from policies.choices import Audience

    return ", ".join(str(Audience(r).label) if r in Audience.values else r for r in roles or ())


@register.simple_tag
def marked(text, findings):
    """``text`` with the places its content-check ``findings`` matched in ``<mark>``, everything escaped.

    The places are in the checked form of the text (NFKC, ``policies.content``): a text that form changes
    (full-width letters, ligatures) is shown as written, unmarked, so a reviewer sees what was really typed.
    Findings stored before places were kept mark nothing.
    """
    text = str(text or "")
    places = sorted(
        (start, end, _of(finding, "severity")) for finding in findings or () for start, end in _of(finding, "spans")
    )
    if not places or unicodedata.normalize("NFKC", text) != text:
        return conditional_escape(text)
    pieces, at = [], 0
    for start, end, severity in places:
        start = max(start, at)  # overlapping places: the first one marks the shared part
        if start >= end or end > len(text):
            continue
        pieces.append(conditional_escape(text[at:start]))
        pieces.append(format_html('<mark class="finding-{}">{}</mark>', severity, text[start:end]))
        at = end
    pieces.append(conditional_escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece above is escaped


def _of(finding, name):
    """A stored finding is a dict (``PostRevision.findings``), a fresh one a ``policies.content.Finding``."""
    empty = () if name == "spans" else ""
    return finding.get(name, empty) if isinstance(finding, dict) else getattr(finding, name, empty)
