"""The IT decision register's page (selectors.register gathers the rows, in the database)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from core.pagekit import paged
from it_decisions import selectors
from it_decisions.forms import DecisionFilterForm
from policies.permissions import can_decide_platforms


@login_required
def decision_register(request):
    """Every IT decision: platforms, channel security reviews, access; why, who, and when it is due again."""
    if not selectors.can_read_decisions(request.user):
        raise PermissionDenied
    form = DecisionFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    department = values.get("department")
    rows = selectors.register(
        kind=values.get("kind") or "",
        department=department.slug if department else "",
        due_within_days=values.get("due_within_days"),
    )
    page, query = paged(request, rows, per_page=50)
    page.object_list = selectors.decisions_of(page.object_list)
    return render(
        request,
        "it_decisions/register.html",
        {
            "filter": form,
            "page": page,
            "query": query,
            "warning_days": selectors.EXPIRY_WARNING_DAYS,
            "can_decide": can_decide_platforms(request.user),
        },
    )
