"""What the apps' page views share: a filtered list page, a service run from a button, a refusal on a form.

The page-side twin of ``socialgov.adminkit``: views stay thin, the services decide.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import TIME_STRINGS, timesince
from django.utils.timezone import get_current_timezone_name, localtime
from django.utils.translation import get_language, gettext

from accounts.permissions import group_names
from socialgov import cachekit
from socialgov.context_processors import layout_parts
from socialgov.errors import DomainError, Forbidden, NotFound
from socialgov.formrender import filter_form_renderer
from socialgov.paging import CappedPaginator


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


class Later:
    """Marks for what a page kept whole (``kept_page``) fills on each view: ``later(name)`` is a mark that goes
    through the template (and its escaping) unchanged, ``later.part(name)`` one for a layout part
    (``{% per_view %}``); ``markup(html)`` is the page as a ``str.format`` string with a field where each mark was,
    the page's own braces doubled, and the names of the fields it has. The marks hold a random tag of their own, so
    text people wrote cannot make one."""

    def __init__(self):
        self._tag = secrets.token_hex(8)
        self.names: dict[str, None] = {}
        self.parts: dict[str, None] = {}

    def __call__(self, name: str) -> SafeString:
        if not name.isidentifier():
            raise ValueError(f"not a field name: {name!r}")
        self.names[name] = None
        return mark_safe(f"@{self._tag}:{name}@")  # noqa: S308 - letters, digits and @ only

    def part(self, name: str) -> SafeString:
        self.parts[name] = None
        return self(name)

    def markup(self, page: str) -> tuple[str, list[str]]:
        page = page.replace("{", "{{").replace("}", "}}")
        fields = []
        for name in self.names:
            mark = f"@{self._tag}:{name}@"
            if mark in page:
                page = page.replace(mark, f"{{{name}}}")
                fields.append(name)
        return page, fields


def kept_page(
    request,
    name: str,
    template_name: str,
    build: Callable[[Later], tuple[dict[str, Any], Any]],
    fill: Callable[[Any], dict[str, str]] | None = None,
) -> HttpResponse:
    """A page rendered once and kept whole per person, path and query string until the next audited write anywhere,
    at most a minute (``socialgov.cachekit``); each view fills in what is its own.

    ``build(later)`` gives the template's context and ``data`` to keep beside the page: it must read only what
    audited services change (rows, counts, the filter form), and puts ``later("field")`` where a value of the view
    goes (how long ago, late or not). On each view, ``fill(data)`` gives those fields as markup (escape them:
    ``html_text``); the CSRF token (``{% csrf_token %}``) and the layout's parts (``{% per_view %}``: the bell, the
    banner, the messages) are filled here. The key holds the query string (its parameters in any order:
    ``cachekit.query_key``), the path, the language, the time zone, and the person's groups and staff flags (they
    came with the person: a change outside the audited admin shows at once). A view that is a miss renders the
    page and gives the same bytes a hit gives."""
    user = request.user

    def compute() -> tuple[str, list[str], list[str], Any]:
        later = Later()
        context, data = build(later)
        context = {**context, "kept_later": later, "csrf_token": later("csrf")}
        markup, fields = later.markup(render_to_string(template_name, context, request))
        return markup, fields, [part for part in later.parts if part in fields], data

    groups = ",".join(sorted(group_names(user)))
    key = cachekit.query_key(
        request.GET,
        request.path,
        get_language(),
        get_current_timezone_name(),
        groups,
        f"{user.is_staff},{user.is_superuser}",
    )
    markup, fields, parts, data = cachekit.per_person(f"page:{name}:{key}", user, compute)
    values = layout_parts(request, parts)
    if "csrf" in fields:  # a page without a form does not set the CSRF cookie
        values["csrf"] = html_text(get_token(request))
    if fill is not None:
        values.update(fill(data))
    return HttpResponse(markup.format(**values))


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


# Under four weeks a time since has no months or years: its weeks, days, hours and minutes all follow from its whole
# minutes, as ``timesince`` works them out (``TIME_CHUNKS``, two adjacent units at most).
_SHORT = 28 * 24 * 60
_UNITS = (("week", 7 * 24 * 60), ("day", 24 * 60), ("hour", 60), ("minute", 1))


def page_timesince() -> Callable[[Any], str]:
    """``{{ value|timesince }}`` for the rows of one page, worked out in the view: each phrase ("3 days") translated
    once per page instead of once per row, and a time under four weeks ago (a review waiting, a channel's last
    activity) counted from its whole minutes; anything else (months, years, dates, naive or future times) is
    Django's own ``timesince``. A test holds the two equal minute by minute over those four weeks."""
    phrases = {name: _Phrase(phrase) for name, phrase in TIME_STRINGS.items()}
    comma = gettext(", ")

    def short(minutes: int) -> str:
        parts = []
        for name, size in _UNITS:
            count, minutes = divmod(minutes, size)
            if count:
                parts.append((phrases[name] % {"num": count}).replace(" ", "\xa0"))
            elif parts:
                break  # adjacent units only: "2 weeks, 3 hours" is "2 weeks"
            if len(parts) == 2:
                break
        return comma.join(parts) if parts else (phrases["minute"] % {"num": 0}).replace(" ", "\xa0")

    def since(value) -> str:
        if not value:
            return ""
        if isinstance(value, datetime) and value.tzinfo is not None:
            delta = datetime.now(value.tzinfo) - value
            minutes = (delta.days * 86400 + delta.seconds) // 60
            if 0 <= minutes < _SHORT:
                return short(minutes)
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
