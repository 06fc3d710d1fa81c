"""What the apps' page views share: a filtered list page, a service run from a button, a refusal on a form.

The page-side twin of ``socialgov.adminkit``: views stay thin, the services decide.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.timezone import localtime
from django.utils.translation import get_language

from accounts.permissions import group_names
from socialgov import cachekit
from socialgov.errors import DomainError, Forbidden, NotFound
from socialgov.formrender import filter_form_renderer
from socialgov.paging import CappedPaginator, page_of


def filtered_rows(filterset, qs):
    """The filter's rows when its input is valid, else every row (a bad filter never empties the list)."""
    return filterset.qs if filterset.is_bound and filterset.is_valid() else qs


def paged(request, rows, *, per_page: int, paginator_class: type[Paginator] = CappedPaginator) -> tuple[Page, str]:
    """The page asked for and the query string without its page number (for the pager's links)."""
    page = paginator_class(rows, per_page).get_page(request.GET.get("page"))
    return page, _pager_query(request)


def _pager_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def filtered_page(request, filterset_class, qs, *, per_page: int = 25) -> dict[str, Any]:
    """A list page's context: the filter, the page, the query string and the filtered rows."""
    filterset = filterset_class(request.GET or None, queryset=qs, request=request)
    filterset.form.renderer = filter_form_renderer  # the same HTML as Django's templates, at a fraction of the cost
    rows = filtered_rows(filterset, qs)
    page, query = paged(request, rows, per_page=per_page)
    return {"filter": filterset, "page": page, "query": query, "rows": rows}


def kept_filtered_page(
    request,
    name: str,
    filterset_class,
    queryset: Callable[[], QuerySet],
    rows: Callable[[QuerySet], list[dict[str, Any]]],
    *,
    per_page: int = 25,
    more: Callable[[QuerySet], dict[str, Any]] | None = None,
    filters_template: str = "channels_registry/_filters.html",
) -> dict[str, Any]:
    """``filtered_page`` for a list whose page is kept per person (``socialgov.cachekit``) until the next audited
    write anywhere, at most a minute. What the queries gave for this person and this query string is read once:
    ``rows`` of the page asked for (plain values), the count and page number the pager needs, ``more``'s values of
    every filtered row (e.g. their counts), and the filter form as ``filters_template`` renders it bound to the
    query string (a GET form: no CSRF token; its choices kept besides, ``socialgov.filterkit``). ``queryset`` and
    ``rows`` must read only what audited services change; anything of the request (the CSRF token, the path, dates
    in the person's time zone, time since) is added to the rows after. The key holds the query string (its
    parameters in any order, hashed: ``cachekit.query_key``), the language, and the person's group names (they
    came with the person: a change of groups outside the audited admin shows at once). The context has
    ``filter_html`` instead of ``filter``."""
    user = request.user

    def compute() -> dict[str, Any]:
        qs = queryset()
        filterset = filterset_class(request.GET or None, queryset=qs, request=request)
        filterset.form.renderer = filter_form_renderer
        page, _ = paged(request, filtered_rows(filterset, qs), per_page=per_page)
        paginator = page.paginator
        return {
            "rows": rows(page.object_list),
            "number": page.number,
            "count": paginator.count,
            "capped": paginator.capped,
            "more": more(filtered_rows(filterset, qs)) if more else {},
            "filter_html": str(render_to_string(filters_template, {"filter": filterset})),
        }

    key = cachekit.query_key(request.GET, get_language(), ",".join(sorted(group_names(user))))
    kept = cachekit.per_person(f"{name}:{key}", user, compute)
    page = page_of(kept["rows"], number=kept["number"], count=kept["count"], capped=kept["capped"], per_page=per_page)
    return {
        "filter_html": mark_safe(kept["filter_html"]),  # noqa: S308 - rendered by the template, escaped there
        "page": page,
        "query": _pager_query(request),
        **kept["more"],
    }


def pk_url(viewname: str) -> Callable[[Any], str]:
    """``reverse(viewname, args=[pk])`` for every row of a page at the cost of one reverse: the URL is split around
    a placeholder number once and each row's whole-number pk goes in between (a reverse costs ~20-30 µs)."""
    marker = "7316029485"
    prefix, found, suffix = reverse(viewname, args=[int(marker)]).rpartition(marker)
    if not found:
        raise ValueError(f"{viewname} does not take a number")
    return lambda pk: f"{prefix}{int(pk)}{suffix}"


def html_text(value: str | int | None) -> str:
    """``{{ value }}`` of a text, a whole number or None, for rows built in Python: Django's ``conditional_escape``
    (already safe text as it is, anything else escaped) without ``escape``'s lazy-argument wrapper, which cost
    more than the escaping (list rows escape ~300 values a page). Dates and decimals are localized by templates:
    not for them."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def fill_later(markup: str, later: tuple[str, ...], **now: Any) -> str:
    """``markup.format`` with ``now``'s values escaped (``html_text``; markup as it is) and the ``later`` fields left
    as fields, for a second ``format`` on each view: a row's part kept with its page. What goes in now has its
    braces doubled, so its text stays text when the fields are filled."""
    filled = {name: html_text(value).replace("{", "{{").replace("}", "}}") for name, value in now.items()}
    return markup.format(**filled, **{name: f"{{{name}}}" for name in later})


def local_stamp(value, *, seconds: bool = False) -> str:
    """``{{ value|date:"Y-m-d H:i" }}`` (``"Y-m-d H:i:s"`` with ``seconds``) in the current time zone, for rows built
    in Python: the same text without a template filter per row. None gives ""."""
    if value is None:
        return ""
    t = localtime(value)
    stamp = f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}"
    return f"{stamp}:{t.second:02d}" if seconds else stamp


class _Phrase:
    """One of ``timesince``'s phrases ("%(num)d days"), translated once per number."""

    def __init__(self, phrase):
        self.phrase = phrase
        self.done: dict[int, str] = {}

    def __mod__(self, rhs):
        num = rhs["num"]
        if num not in self.done:
            self.done[num] = self.phrase % rhs
        return self.done[num]


def page_timesince() -> Callable[[Any], str]:
    """``{{ value|timesince }}`` for the rows of one page, worked out in the view: Django's own ``timesince``,
    with each phrase ("3 days") translated once per page instead of once per row (~100 µs a row, ~20 now)."""
    phrases = {name: _Phrase(phrase) for name, phrase in TIME_STRINGS.items()}

    def since(value) -> str:
        if not value:
            return ""
        try:
            return timesince(value, time_strings=phrases)
        except (ValueError, TypeError):
            return ""

    return since


def run_from_button(request, fn: Callable[[], Any], *, ok: str, back: str):
    """Run a service from a button: 403 when not allowed, 404 outside scope, a message for anything else refused."""
    try:
        fn()
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        detail = " ".join(m for msgs in exc.fields.values() for m in msgs)
        messages.error(request, f"{exc.message} {detail}".strip())
    else:
        messages.success(request, ok)
    return redirect(back)


def errors_to_form(form, exc: DomainError) -> None:
    """A service's refusal on the form: each field's messages on that field, the rest on the form."""
    placed = False
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
