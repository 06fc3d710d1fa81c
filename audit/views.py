from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audit import signing
from audit.filters import AuditEventFilter
from audit.selectors import EXPORT_COLUMNS, can_read_trail, trail
from core.exports import rows_of, stream_csv, stream_jsonl
from core.pagekit import filtered_rows

PAGE_SIZE = 50


def _filtered(request):
    if not can_read_trail(request.user):
        raise PermissionDenied
    return AuditEventFilter(request.GET or None, queryset=trail(), request=request)


@login_required
def event_list(request):
    """The trail, newest first, paged by id so the deepest page costs what the first does."""
    filterset = _filtered(request)
    qs = filtered_rows(filterset, trail())
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    events = list(qs[: PAGE_SIZE + 1])
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("before", None)
    if more:
        query["before"] = events[-1].pk
    return render(
        request,
        "audit/event_list.html",
        {"filter": filterset, "events": events, "next_query": query.urlencode() if more else ""},
    )


@login_required
def export(request, fmt):
    filterset = _filtered(request)
    qs = filtered_rows(filterset, trail()).order_by("id")
    items = qs.iterator(chunk_size=2000)
    if fmt == "csv":
        return stream_csv("audit-trail.csv", [c for c, _ in EXPORT_COLUMNS], rows_of(items, EXPORT_COLUMNS))
    return stream_jsonl("audit-trail.jsonl", ({c: get(e) for c, get in EXPORT_COLUMNS} for e in items))


@require_safe
def public_key(request):
    """The key that checks the trail's signed checkpoints: public, so readable without signing in."""
    if not signing.configured():
        raise Http404("No audit signing key is configured.")
    response = HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="socialgov-audit-public-key.pem"'
    return response
