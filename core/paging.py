"""Page lists without counting every row: at 100,000 rows a ``COUNT(*)`` per page view costs more than the page.

Short lists page by number with a capped count (``CappedPaginator``); long ones (the registry, "my posts",
notifications; the audit trail pages by id) by keyset (``keyset_page``), as the API's cursor pagination does."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

# Count this many rows at most (ten pages of 25), or one page past the page asked for when that is further.
COUNT_CAP = 250


class CappedPaginator(Paginator):
    """A Paginator whose ``count`` stops at ``cap`` rows, or one page past the page asked for.

    ``capped`` is true when there are more rows than counted: the pager says "Page 2 of 10+", and Next is
    always offered from the last counted page, so every row stays reachable.
    """

    def __init__(self, object_list, per_page, *, cap: int = COUNT_CAP, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.reach = max(cap, per_page)
        self.capped = False

    def get_page(self, number):
        try:
            asked = max(int(number), 1)
        except (TypeError, ValueError):
            asked = 1
        self.reach = max(self.reach, (asked + 1) * self.per_page)
        return super().get_page(number)

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        # a QuerySet: count the primary keys only (no annotations, no joins), in no order (how many rows there
        # are up to the cap does not depend on it, and the planner is free to stop early); a list: its length
        sliced = (rows.values("pk").order_by() if hasattr(rows, "query") else rows)[: self.reach + 1]
        counted = sliced.count() if hasattr(sliced, "query") else len(sliced)
        self.capped = counted > self.reach
        return min(counted, self.reach)


class KeysetPage:
    """A page of a long list read after (or before) the row a link names, in a stable order whose last key is
    unique: the deepest page costs what the first does, and nothing is counted. ``next_cursor`` (older rows) and
    ``previous_cursor`` (newer ones) go in the pager's links as ``?after=`` and ``?before=``."""

    def __init__(self, object_list, *, next_cursor: str = "", previous_cursor: str = ""):
        self.object_list = object_list
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.previous_cursor)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _value(row, name: str):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _cursor(row, keys: list[tuple[str, bool]]) -> str:
    values = [_value(row, name) for name, _ in keys]
    text = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return urlsafe_base64_encode(text.encode())


def _position(model, keys: list[tuple[str, bool]], cursor: str) -> list | None:
    """The key values a cursor names, or None for one that is not ours (a bad link reads the first page)."""
    try:
        values = json.loads(urlsafe_base64_decode(cursor))
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        fields = [model._meta.pk if name == "pk" else model._meta.get_field(name) for name, _ in keys]
        parsed = [field.to_python(value) for field, value in zip(fields, values, strict=True)]
    except (ValueError, TypeError, ValidationError, UnicodeDecodeError):
        return None
    return None if any(v is None for v in parsed) else parsed


def _beyond(keys: list[tuple[str, bool]], values: list) -> Q:
    """The rows after ``values`` in the order ``keys`` (name, descending): (a, b) < (x, y) as a filter."""
    q = Q(pk__in=[])
    for i, (name, descending) in enumerate(keys):
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        for earlier, value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{earlier[0]: value})
        q |= step
    return q


def keyset_page(
    qs, *, order: tuple[str, ...], per_page: int, after: str = "", before: str = "", rows=list
) -> KeysetPage:
    """The page of ``qs`` in ``order`` (its last key unique, ``"-pk"`` for one) just after the row the cursor
    ``after`` names, or just before ``before``'s, or the first; ``rows`` turns the page's queryset into what the
    template shows (the fields of ``order`` kept). One query a page, however deep, and no count."""
    keys = [(name.lstrip("-"), name.startswith("-")) for name in order]
    after = _position(qs.model, keys, after)
    before = None if after else _position(qs.model, keys, before)
    if before is not None:
        # the rows just before the cursor: read in the reverse order, shown in the list's
        reverse = [(name, not descending) for name, descending in keys]
        found = rows(qs.filter(_beyond(reverse, before)).order_by(*_order_by(reverse))[: per_page + 1])
        more = len(found) > per_page
        found = list(reversed(found[:per_page]))
        if not found:  # nothing newer than the row the link names: the list's first page
            return keyset_page(qs, order=order, per_page=per_page, rows=rows)
        return KeysetPage(
            found,
            next_cursor=_cursor(found[-1], keys),
            previous_cursor=_cursor(found[0], keys) if more else "",
        )
    if after is not None:
        qs = qs.filter(_beyond(keys, after))
    found = rows(qs.order_by(*order)[: per_page + 1])
    more = len(found) > per_page
    found = list(found[:per_page])
    return KeysetPage(
        found,
        next_cursor=_cursor(found[-1], keys) if more else "",
        previous_cursor=_cursor(found[0], keys) if after is not None and found else "",
    )


def _order_by(keys: list[tuple[str, bool]]) -> list[str]:
    return [f"-{name}" if descending else name for name, descending in keys]


def pager_query(request) -> str:
    """The list's query string without its position (the filters the pager's links keep)."""
    query = request.GET.copy()
    for name in ("after", "before", "page"):
        query.pop(name, None)
    return query.urlencode()
