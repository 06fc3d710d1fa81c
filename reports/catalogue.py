"""The reports on offer: a title, what it shows, its figures and how to draw them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    return bar_chart(_("Median hours from submission to approval, per week"), _("h"), categories, series)


def _queue_chart(t: Table) -> Chart:
    labels = t.headings[2:6]
    return bar_chart(
        _("Open review stages by age"), _("stages"), labels, {str(r[0]): [r[2 + i] for i in range(4)] for r in t.rows}
    )


def _posts_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 0, 1, 3)
    return bar_chart(_("Posts created per month, by department"), _("posts"), categories, series)


def _inventory_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 0, 1, 2)
    return bar_chart(_("Channels per platform, by state"), _("channels"), categories, series)


def _dormancy_chart(t: Table) -> Chart:
    categories = [str(r[0]) for r in t.rows]
    return bar_chart(
        _("Channels found dormant per month"),
        _("channels"),
        categories,
        {_("found dormant"): [r[1] for r in t.rows], _("escalated"): [r[2] for r in t.rows]},
    )


def _sla_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 0, 1, 3)
    return bar_chart(_("Review stages that missed their SLA, per month"), _("stages"), categories, series)


def _coverage_chart(t: Table) -> Chart:
    categories, series = pivot(t.rows, 1, 0, 6)
    title = _("Share of the audience that acknowledged the current version, by department")
    return bar_chart(title, "%", categories, series)


def _duties_chart(t: Table) -> Chart:
    counts = getattr(t, "counts", {})
    values = [v if isinstance(v, int) else duties.LIMIT for v in counts.values()]
    return bar_chart(_("Separation-of-duties findings"), _("findings"), list(counts), {_("found"): values})


REPORTS: dict[str, Report] = {
    r.slug: r
    for r in [
        Report(
            "lead-time",
            gettext_lazy("Approval lead time"),
            gettext_lazy(
                "Hours from submission to approval, per week of approval and department: median and 90th percentile."
            ),
            selectors.lead_time,
            _lead_chart,
        ),
        Report(
            "queue-age",
            gettext_lazy("Review queue age"),
            gettext_lazy(
                "Review stages open now, per department, by how long they have waited, and how many are past their SLA."
            ),
            selectors.queue_age,
            _queue_chart,
            uses_dates=False,
        ),
        Report(
            "sla-breaches",
            gettext_lazy("SLA breaches"),
            gettext_lazy(
                "Review stages due in the period, per month and department, and how many were decided late or are"
                " overdue."
            ),
            selectors.sla_breaches,
            _sla_chart,
        ),
        Report(
            "posts",
            gettext_lazy("Posts by department and platform"),
            gettext_lazy(
                "Posts created per month, and posts published per month (by the day they went out), per department"
                " and platform."
            ),
            selectors.posts_per_month,
            _posts_chart,
        ),
        Report(
            "channels",
            gettext_lazy("Channel inventory"),
            gettext_lazy("Channels now, per platform and state."),
            selectors.channel_inventory,
            _inventory_chart,
            uses_dates=False,
        ),
        Report(
            "dormancy",
            gettext_lazy("Dormant channels over time"),
            gettext_lazy(
                "Channels found dormant per month, and how many of those findings were escalated or resolved."
            ),
            selectors.dormancy_over_time,
            _dormancy_chart,
        ),
        Report(
            "acknowledgements",
            gettext_lazy("Policy acknowledgement coverage"),
            gettext_lazy(
                "Each policy's current version, per department: the people who must acknowledge it, how many had by"
                " the end of the period, how many did within it, and who is still missing."
            ),
            selectors.acknowledgement_coverage,
            _coverage_chart,
        ),
        Report(
            "separation-of-duties",
            gettext_lazy("Separation of duties"),
            gettext_lazy(
                "Conflicting roles held now (a custodian who reviewed the channel's security, someone holding a"
                " channel's credentials who may approve its posts, a manager who registered the channel) and past"
                " decisions where the person who asked and the person who decided are one. Auditors and IT security."
            ),
            duties.separation_of_duties,
            _duties_chart,
            uses_dates=False,
            readers=can_read_audit,
        ),
    ]
}
