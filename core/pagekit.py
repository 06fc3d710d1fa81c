"""What the apps' page views share: a filtered list page, a service run from a button, a refusal on a form.

The page-side twin of ``core.adminkit``: views stay thin, the services decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from core.errors import DomainError, Forbidden, NotFound
from core.paging import CappedPaginator, keyset_page, pager_query


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


def filtered_page(
    request, filterset_class, qs, *, per_page: int = 25, order: tuple[str, ...] = (), shown=list
) -> dict[str, Any]:
    """A list page's context: the filter, the page, the query string and the filtered rows. With ``order`` (a
    long list: its last key unique) the page is read by keyset (``?after=`` / ``?before=``, ``shown`` turning its
    queryset into the rows shown), else by number with a capped count."""
    filterset = filterset_class(request.GET or None, queryset=qs, request=request)
    # the filter's ids apart from those of a form of the page's own that shares a field name (label for= and
    # aria-describedby point at one element each)
    filterset.form.auto_id = "id_filter_%s"
    rows = filtered_rows(filterset, qs)
    if order:
        get = request.GET.get
        page = keyset_page(
            rows, order=order, per_page=per_page, after=get("after", ""), before=get("before", ""), rows=shown
        )
        query = pager_query(request)
    else:
        page, query = paged(request, rows, per_page=per_page)
    return {"filter": filterset, "page": page, "query": query, "rows": rows}


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


def form_refused(request, form) -> bool:
    """A button's form refused what was typed (text that cannot be stored, too long): its first message, so that
    the service is not run with what the form threw away."""
    if form.is_valid():
        return False
    messages.error(request, next(iter(form.errors.values()))[0])
    return True


def errors_to_form(form, exc: DomainError) -> None:
    """A service's refusal on the form: each field's messages on that field, the rest on the form."""
    placed = False
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def safe_url(request, target: str) -> str:
    """``target`` when it is a path into this site (never another host, never a scheme); else ""."""
    target = target or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def safe_next(request) -> str:
    """The ``next`` a page was given (form or query), when it leads back into this site; else ""."""
    return safe_url(request, request.POST.get("next") or request.GET.get("next") or "")


def with_next(url: str, target: str) -> str:
    """``url`` carrying ``next=target`` (unchanged when there is no target)."""
    if not target:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': target})}"
