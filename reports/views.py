"""Report pages: filters, an SVG chart, its numbers in a table beside it, and a CSV download."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.exports import stream_csv
from reports import services
from reports.calendar import calendar_posts, ics, month_bounds, weeks_of
from reports.catalogue import REPORTS, Report
from reports.forms import CalendarFilterForm, ReportFilterForm, period
from reports.models import CalendarFeed
from reports.permissions import can_read_reports, report_departments
from reports.selectors import Scope


def _scope(request) -> tuple[ReportFilterForm, Scope]:
    departments = report_departments(request.user)
    if departments is not None and not departments:
        raise PermissionDenied
    form = ReportFilterForm(request.GET or None, department_ids=departments)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    start, end = period(values)
    if values.get("department"):
        departments = frozenset({values["department"].pk})
    return form, Scope(start=start, end=end, department_ids=departments)


def _report(slug: str, user) -> Report:
    try:
        report = REPORTS[slug]
    except KeyError:
        raise Http404(_("No such report.")) from None
    if not report.readable_by(user):
        raise PermissionDenied(_("This report is for auditors and IT security."))
    return report


@login_required
def report_index(request):
    """Everyone finds the calendar and exports here; managers, communications, IT and auditors the reports."""
    reports = [r for r in REPORTS.values() if r.readable_by(request.user)] if can_read_reports(request.user) else []
    return render(request, "reports/index.html", {"reports": reports})


@login_required
def report_detail(request, slug):
    report = _report(slug, request.user)
    form, scope = _scope(request)
    table = report.figures(scope)
    return render(
        request,
        "reports/report.html",
        {
            "report": report,
            "reports": [r for r in REPORTS.values() if r.readable_by(request.user)],
            "filter": form,
            "scope": scope,
            "table": table,
            "chart": report.chart(table),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def report_csv(request, slug):
    report = _report(slug, request.user)
    _, scope = _scope(request)
    table = report.figures(scope)
    return stream_csv(f"{slug}-{scope.start}-{scope.end}.csv", table.columns, table.rows)


# --- Calendar --------------------------------------------------------------------------------


@login_required
def calendar(request):
    """Approved, scheduled and published posts of one month (or one week), by week and day."""
    form = CalendarFilterForm(request.GET or None, user=request.user)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    if values.get("week"):
        first = values["week"] - timedelta(days=values["week"].weekday())
        start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
        end = start + timedelta(days=7)
        month = first.replace(day=1)
    else:
        month = values.get("month") or today.replace(day=1)
        start, end = month_bounds(month)
    qs = calendar_posts(request.user).filter(when__gte=start, when__lt=end)
    if values.get("department"):
        qs = qs.filter(channel__department=values["department"])
    if values.get("channel"):
        qs = qs.filter(channel=values["channel"])
    posts = list(qs[:500])
    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "reports/calendar.html",
        {
            "filter": form,
            "month": month,
            "week": values.get("week"),
            "weeks": weeks_of(posts),
            "count": len(posts),
            "previous_month": previous_month.strftime("%Y-%m"),
            "next_month": next_month.strftime("%Y-%m"),
            "feed": CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first(),
        },
    )


@login_required
@require_POST
def calendar_feed_create(request):
    """A new personal feed address (the old one stops working). The token is shown on this answer only."""
    feed, token = services.calendar_feed_create(actor=request.user)
    url = request.build_absolute_uri(reverse("reports:calendar_ics", args=[token]))
    return render(request, "reports/feed_created.html", {"feed": feed, "url": url})


@login_required
@require_POST
def calendar_feed_revoke(request):
    if services.calendar_feed_revoke(actor=request.user):
        messages.success(request, _("Your calendar feed is revoked; calendar apps using it get nothing more."))
    return redirect("reports:calendar")


@never_cache
def calendar_ics(request, token):
    """The feed, for calendar apps (no session): the secret token in the address is the credential."""
    feed = services.calendar_feed_for_token(token)
    if feed is None:
        raise Http404(_("No such feed."))
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    body = ics(feed.user, base_url=request.build_absolute_uri("/")[:-1])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="socialgov.ics"'
    return response
