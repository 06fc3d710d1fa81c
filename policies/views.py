from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from policies import selectors
from policies.filters import PlatformDecisionFilter
from policies.permissions import can_decide_platforms

PAGE_SIZE = 50


@login_required
def platform_list(request):
    """The catalogue and IT's decisions: what may be registered where, and why."""
    filterset = PlatformDecisionFilter(request.GET or None, queryset=selectors.decisions())
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else selectors.decisions()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "policies/platform_list.html",
        {
            "platforms": list(selectors.platforms()),
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "can_decide": can_decide_platforms(request.user),
        },
    )
