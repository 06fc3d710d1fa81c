"""The reports on offer: a title, what it shows, its figures and how to draw them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accounts.permissions import can_read_audit
from reports import duties, selectors
from reports.charts import Chart, bar_chart, pivot
from reports.selectors import Scope, Table


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    figures: Callable[[Scope], Table]
    chart: Callable[[Table], Chart]
    uses_dates: bool = True
    # who may read it beyond the reports' readers (None: everyone who reads reports, over their departments)
    readers: Callable[[object], bool] | None = None

    def readable_by(self, user) -> bool:
        return self.readers is None or self.readers(user)


def _lead_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 0, 1, 3)
    return bar_chart("Median hours from submission to approval, per week", "h", categories, series)


def _queue_chart(t: Table) -> Chart:
    labels = t.columns[2:6]
    return bar_chart(
        "Open review stages by age", "stages", labels, {str(r[0]): [r[2 + i] for i in range(4)] for r in t.rows}
    )


def _posts_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 0, 1, 3)
    return bar_chart("Posts created per month, by department", "posts", categories, series)


def _inventory_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 0, 1, 2)
    return bar_chart("Channels per platform, by state", "channels", categories, series)


def _dormancy_chart(t: Table) -> Chart:
    categories = [str(r[0]) for r in t.rows]
    return bar_chart(
        "Channels found dormant per month",
        "channels",
        categories,
        {"found dormant": [r[1] for r in t.rows], "escalated": [r[2] for r in t.rows]},
    )


def _sla_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 0, 1, 3)
    return bar_chart("Review stages that missed their SLA, per month", "stages", categories, series)


def _coverage_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 1, 0, 6)
    title = "Share of the audience that acknowledged the current version, by department"
    return bar_chart(title, "%", categories, series)


def _duties_chart(t: Table) -> Chart:
    counts = getattr(t, "counts", {})
    values = [v if isinstance(v, int) else duties.LIMIT for v in counts.values()]
    return bar_chart("Separation-of-duties findings", "findings", list(counts), {"found": values})


REPORTS: dict[str, Report] = {
    r.slug: r
    for r in [
        Report(
            "lead-time",
            "Approval lead time",
            "Hours from submission to approval, per week of approval and department: median and 90th percentile.",
            selectors.lead_time,
            _lead_chart,
        ),
        Report(
            "queue-age",
            "Review queue age",
            "Review stages open now, per department, by how long they have waited, and how many are past their SLA.",
            selectors.queue_age,
            _queue_chart,
            uses_dates=False,
        ),
        Report(
            "sla-breaches",
            "SLA breaches",
            "Review stages due in the period, per month and department, and how many were decided late or are overdue.",
            selectors.sla_breaches,
            _sla_chart,
        ),
        Report(
            "posts",
            "Posts by department and platform",
            "Posts created per month, and posts published per month (by the day they went out), per department"
            " and platform.",
            selectors.posts_per_month,
            _posts_chart,
        ),
        Report(
            "channels",
            "Channel inventory",
            "Channels now, per platform and state.",
            selectors.channel_inventory,
            _inventory_chart,
            uses_dates=False,
        ),
        Report(
            "dormancy",
            "Dormant channels over time",
            "Channels found dormant per month, and how many of those findings were escalated or resolved.",
            selectors.dormancy_over_time,
            _dormancy_chart,
        ),
        Report(
            "acknowledgements",
            "Policy acknowledgement coverage",
            "Each policy's current version, per department: the people who must acknowledge it, how many had by"
            " the end of the period, how many did within it, and who is still missing.",
            selectors.acknowledgement_coverage,
            _coverage_chart,
        ),
        Report(
            "separation-of-duties",
            "Separation of duties",
            "Conflicting roles held now (a custodian who reviewed the channel's security, someone holding a"
            " channel's credentials who may approve its posts, a manager who registered the channel) and past"
            " decisions where the person who asked and the person who decided are one. Auditors and IT security.",
            duties.separation_of_duties,
            _duties_chart,
            uses_dates=False,
            readers=can_read_audit,
        ),
    ]
}
