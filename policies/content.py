"""Content rules: check a draft's text against the company's rules.

The seam approvals calls (at submit and on every revision) and the composer's
live check uses. ``check_text`` returns findings; the caller stores them with the
revision (``[f.as_dict() for f in findings]``), refuses submit when any has
severity ``block``, shows ``warn`` findings to reviewers, and adds a review stage
for each ``route`` finding (``route`` names who reviews it: a group, or a
department and role).
"""

from __future__ import annotations

import contextlib
import logging
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import regex
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from policies.textnorm import fold_with_map


class Severity:
    BLOCK = "block"  # cannot submit
    WARN = "warn"  # shown to reviewers
    ROUTE = "route"  # adds a review stage


@dataclass(frozen=True)
class Finding:
    rule_id: int | None
    kind: str  # lexicon, pattern, confidential, disclosure, link_domain, length
    severity: str
    message: str  # for the author, as IT wrote it
    excerpt: str = ""  # the text that matched (shown escaped)
    # For severity "route": {"label": "Legal review", "group": "it_security" | None,
    #                         "department": "legal" | None, "role": "reviewer" | None}
    route: dict[str, Any] = field(default_factory=dict)
    rule: str = ""  # the rule's name, as IT named it
    # where it matched: [start, end) in code points of the checked text (its NFKC form), at most MAX_SPANS
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def advice(self) -> str:
        """What the author does about it (in the active language)."""
        if self.severity == Severity.BLOCK:
            return _("Remove or reword what is marked: the post cannot be sent for review while this applies.")
        if self.severity == Severity.ROUTE:
            if label := self.route.get("label"):
                return _("Nothing to change: it adds a review stage (%(stage)s).") % {"stage": label}
            return _("Nothing to change: it adds a review stage (an extra review).")
        return _("Check what is marked: reviewers see this warning beside the post.")

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "spans": [list(span) for span in self.spans], "advice": self.advice}


def check_text(
    *,
    text: str,
    department: Any = None,
    platform: Any = None,
    sponsored: bool = False,
    links: list[str] | tuple[str, ...] = (),
) -> list[Finding]:
    """Every finding for ``text`` under the rules in scope for ``department`` and ``platform``.

    Never raises on the text itself; a pattern that runs longer than its bound
    (``PATTERN_TIMEOUT`` seconds, ``CHECK_BUDGET`` for one whole check) yields a
    ``warn`` finding instead of a verdict.
    """
    rules = list(rules_in_scope(department=department, platform=platform))
    return evaluate(rules, text=text, platform=platform, sponsored=sponsored, links=links)


# --- The engine ----------------------------------------------------------------------

log = logging.getLogger(__name__)

PATTERN_TIMEOUT = 0.05  # seconds one regular expression may run on one text
CHECK_BUDGET = 0.5  # seconds all the rules together may spend matching one text
MAX_TEXT = 20_000  # characters checked; the API refuses longer text
EXCERPT = 80
MAX_SPANS = 20  # places marked for one finding
URL_RE = regex.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'\]\)]+")


def rules_in_scope(*, department: Any = None, platform: Any = None):
    """Active rules for every department and platform, or naming the given ones (one query)."""
    if department is None and platform is None:
        return _rules_for_everyone().all()  # a fresh clone: the shared queryset is never evaluated
    return _rules_query(department=department, platform=platform)


@lru_cache(maxsize=1)
def _rules_for_everyone():
    """The rules a text with no department or platform meets (the composer before it names a channel):
    the query built once a process, its rows read anew by each check."""
    return _rules_query(department=None, platform=None)


def _rules_query(*, department: Any, platform: Any):
    from policies.models import ContentRule

    dept_through = ContentRule.departments.through.objects.filter(contentrule=OuterRef("pk"))
    plat_through = ContentRule.platforms.through.objects.filter(contentrule=OuterRef("pk"))
    dept_ok = ~Exists(dept_through)
    if department is not None:
        dept_ok |= Exists(dept_through.filter(department=department))
    plat_ok = ~Exists(plat_through)
    if platform is not None:
        plat_ok |= Exists(plat_through.filter(platform=platform))
    return ContentRule.objects.filter(Q(is_active=True), dept_ok, plat_ok).select_related("route_department")


@lru_cache(maxsize=512)
def _lexicon_regex(folded_terms: tuple[str, ...]):
    """Whole words or phrases, any run of spaces between a phrase's words."""
    alternatives = sorted({r"\s+".join(regex.escape(w) for w in term.split()) for term in folded_terms if term})
    if not alternatives:
        return None
    return regex.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])")


@lru_cache(maxsize=512)
def _pattern_regex(pattern: str):
    return regex.compile(pattern, regex.IGNORECASE)


def _fold_terms(terms: list[str]) -> tuple[str, ...]:
    from policies.textnorm import fold

    return tuple(" ".join(fold(t).split()) for t in terms)


def _excerpt(text: str, start: int, end: int) -> str:
    piece = text[start:end]
    return piece if len(piece) <= EXCERPT else piece[: EXCERPT - 1] + "…"


def _host(url: str) -> str:
    candidate = url if "://" in url else f"http://{url}"
    try:
        host = urlsplit(candidate.strip()).hostname or ""
    except ValueError:
        return ""
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    return host.lower().rstrip(".")


def _on_domain(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


class _Clock:
    def __init__(self) -> None:
        self.deadline = time.monotonic() + CHECK_BUDGET

    def timeout(self) -> float:
        return max(0.001, min(PATTERN_TIMEOUT, self.deadline - time.monotonic()))


def evaluate(
    rules, *, text: str, platform: Any = None, sponsored: bool = False, links: list[str] | tuple[str, ...] = ()
) -> list[Finding]:
    text = unicodedata.normalize("NFKC", str(text or "")[:MAX_TEXT])
    folded, origin = fold_with_map(text)
    clock = _Clock()
    all_links = [str(link) for link in links or ()] + [m.group(0) for m in URL_RE.finditer(text)]
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(_apply(rule, text, folded, origin, clock, platform, sponsored, all_links))
        except TimeoutError:
            log.warning("content rule %s timed out", rule.pk)
            findings.append(
                Finding(
                    rule.pk,
                    rule.kind,
                    Severity.WARN,
                    _("%(message)s (This rule could not be checked within %(ms)s ms: a reviewer checks it by eye.)")
                    % {"message": rule.message, "ms": int(PATTERN_TIMEOUT * 1000)},
                )
            )
    return findings


def _finding(rule, excerpt: str = "", spans: tuple[tuple[int, int], ...] = ()) -> Finding:
    return Finding(rule.pk, rule.kind, rule.severity, rule.message, excerpt, rule.route(), rule.name, spans)


def _spans(matches, origin=None) -> tuple[tuple[int, int], ...]:
    """The first ``MAX_SPANS`` matches as places in the checked text (``origin`` maps folded positions back)."""
    found = []
    for match in matches:
        if match.end() == match.start():
            continue
        start, end = match.start(), match.end()
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        found.append((start, end))
        if len(found) == MAX_SPANS:
            break
    return tuple(found)


def _apply(rule, text, folded, origin, clock, platform, sponsored, links) -> list[Finding]:
    from policies.choices import LinkMode, RuleKind

    kind = rule.kind
    if kind in (RuleKind.LEXICON, RuleKind.CONFIDENTIAL):
        compiled = _lexicon_regex(_fold_terms(rule.term_list))
        if compiled is None:
            return []
        spans = _spans(compiled.finditer(folded, timeout=clock.timeout()), origin)
        if not spans:
            return []
        return [_finding(rule, _excerpt(text, *spans[0]), spans)]
    if kind == RuleKind.PATTERN:
        if not rule.pattern:
            return []
        spans = _spans(_pattern_regex(rule.pattern).finditer(text, timeout=clock.timeout()))
        return [_finding(rule, _excerpt(text, *spans[0]), spans)] if spans else []
    if kind == RuleKind.DISCLOSURE:
        if not sponsored:
            return []
        compiled = _lexicon_regex(_fold_terms(rule.term_list))
        if compiled is None or compiled.search(folded, timeout=clock.timeout()):
            return []
        return [_finding(rule)]
    if kind == RuleKind.LINK_DOMAIN:
        domains = [d.lower().lstrip(".") for d in rule.term_list]
        for link in links:
            host = _host(link)
            listed = bool(host) and _on_domain(host, domains)
            if listed == (rule.link_mode == LinkMode.BLOCK):
                at = text.find(link)  # a link of the text itself is marked; one of the links field is not
                return [_finding(rule, _excerpt(link, 0, len(link)), ((at, at + len(link)),) if at >= 0 else ())]
        return []
    if kind == RuleKind.LENGTH:
        limit = rule.max_length or getattr(platform, "char_limit", None)
        if limit and len(text) > limit:
            over = ngettext(
                "%(length)s character, %(over)s over %(limit)s",
                "%(length)s characters, %(over)s over %(limit)s",
                len(text),
            ) % {"length": len(text), "over": len(text) - limit, "limit": limit}
            return [_finding(rule, over)]
        return []
    return []
