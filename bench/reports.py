"""The reports in the benchmark harness: ``bench.run.time_reports`` times each of ``hooks()``, one per report.

Each hook runs its report once over the widest sensible range (the last two years, every department)
and returns the seconds it took. The closed periods' rollups are brought up to date once, before the
first timing and outside it, as the hourly task keeps them in production.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from reports.catalogue import REPORTS, Report
from reports.selectors import Scope
from reports.services import report_rollups_refresh

RANGE_DAYS = 730
_rolled_up = False


def widest_scope() -> Scope:
    today = timezone.localdate()
    return Scope(start=today - timedelta(days=RANGE_DAYS), end=today)


def _ensure_rollups() -> None:
    global _rolled_up
    if not _rolled_up:
        report_rollups_refresh()
        _rolled_up = True


def hook(report: Report) -> Callable[[], float]:
    def run() -> float:
        _ensure_rollups()
        scope = widest_scope()
        started = time.perf_counter()
        report.figures(scope)
        return time.perf_counter() - started

    return run


def hooks() -> dict[str, Callable[[], float]]:
    """One timing per report of the catalogue, by its slug."""
    return {slug: hook(report) for slug, report in REPORTS.items()}
