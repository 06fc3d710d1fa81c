"""Admin helpers shared by every app. A leaf module: it imports nothing from the apps."""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from core.errors import DomainError


def run_service(request, fn: Callable[[], object], ok_message: str) -> None:
    """Run one service call from an admin action; its refusal becomes an error message, not a 500."""
    try:
        fn()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok_message)


def run_each(request, rows: Iterable[Any], do: Callable[[Any, Any], object], done: Callable[[Any], str]) -> None:
    """``do(actor, row)`` — one service call — for each row, each refusal its own error message and each success
    ``done(row)``: what an admin action on the selected rows (or a bulk delete) does."""
    for row in rows:
        run_service(request, lambda row=row: do(request.user, row), done(row))


def service_action(description: Any, do: Callable[[Any, Any], object], done: Callable[[Any], str]):
    """An admin action (a ``ModelAdmin`` attribute named in ``actions``) that runs ``do(actor, row)`` through its
    service for every selected row: ``run_each``."""

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        run_each(request, queryset, do, done)

    return action


# Count at most this many rows of a changelist (a COUNT(*) over a million rows cost more than the page).
ADMIN_COUNT_CAP = 10_000


class CappedAdminPaginator(Paginator):
    """The admin's paginator, counting at most ``ADMIN_COUNT_CAP`` rows: the pager then offers the pages up to
    there; filters and search reach the rest."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        return rows.values("pk").order_by()[:ADMIN_COUNT_CAP].count() if hasattr(rows, "query") else len(rows)


class LargeTableAdmin(admin.ModelAdmin):
    """A changelist of a table that grows: no count of every row (``show_full_result_count``), the filtered rows
    counted up to a cap; each admin sets ``list_select_related`` to what its columns' ``__str__`` read."""

    show_full_result_count = False
    paginator = CappedAdminPaginator
