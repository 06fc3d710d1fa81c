"""The list endpoints' filter backend skips the FilterSet only when nothing would be filtered."""

from __future__ import annotations

import django_filters
import pytest
from django.test import RequestFactory
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request

from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.services import record
from core.api.filtering import FilterBackend

pytestmark = pytest.mark.django_db


class _View:
    filterset_class = AuditEventFilter


@pytest.mark.parametrize(
    "query",
    [
        "",
        "cursor=abc&page_size=5",
        "action=a.",
        "actor=EMPLOYEE",
        "since=2020-01-01T00:00:00Z",
        "since=nonsense",
        "channel=1",
    ],
)
def test_the_same_rows_as_django_filter_with_or_without_input(employee, query):
    # given: events of two kinds
    record(actor=employee, action="a.one", target=employee)
    record(actor=None, action="b.two", target=employee)
    request = Request(RequestFactory().get(f"/api/v1/audit-events/?{query}"))
    rows = AuditEvent.objects.order_by("-id")

    # when / then: the same rows, or the same refusal of bad input
    try:
        expected = list(DjangoFilterBackend().filter_queryset(request, rows, _View()))
    except Exception as refused:  # noqa: BLE001 - the same refusal is expected of both
        with pytest.raises(type(refused)):
            FilterBackend().filter_queryset(request, rows, _View())
        return
    assert list(FilterBackend().filter_queryset(request, rows, _View())) == expected


def test_no_filter_input_builds_no_filterset(monkeypatch):
    built = []
    monkeypatch.setattr(AuditEventFilter, "__init__", lambda *a, **k: built.append(1))
    rows = AuditEvent.objects.all()

    assert FilterBackend().filter_queryset(Request(RequestFactory().get("/?cursor=x")), rows, _View()) is rows
    assert built == []


def test_a_required_filter_or_a_filterset_that_filters_itself_goes_the_generic_way():
    class Required(django_filters.FilterSet):
        action = django_filters.CharFilter(required=True)

        class Meta:
            model = AuditEvent
            fields = ["action"]

    class Itself(AuditEventFilter):
        def filter_queryset(self, queryset):
            return queryset.none()

    from core.api.filtering import _input_free

    assert _input_free(AuditEventFilter, {}) and not _input_free(AuditEventFilter, {"action_x": "1"})
    assert not _input_free(Required, {}) and not _input_free(Itself, {})
