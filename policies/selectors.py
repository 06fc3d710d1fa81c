from __future__ import annotations

from django.db.models import QuerySet

from policies.models import ContentRule, Platform, PlatformDecision


def platforms(*, active_only: bool = False) -> QuerySet[Platform]:
    qs = Platform.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def decisions() -> QuerySet[PlatformDecision]:
    return PlatformDecision.objects.select_related("platform", "decided_by").prefetch_related("departments")


def content_rules() -> QuerySet[ContentRule]:
    return ContentRule.objects.select_related("route_department").prefetch_related("departments", "platforms")
