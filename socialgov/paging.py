"""Page lists without counting every row: at 100,000 rows a ``COUNT(*)`` per page view costs more than the page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

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
