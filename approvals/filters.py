"""One FilterSet per listed model, shared by the pages and the API."""

from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from approvals.choices import DriftKind, PostState
from approvals.models import Delegation, DriftFinding, Lockdown, Post, StageReview
from core.filterkit import PickerFilter
from core.filtersets import BooleanFilter, SearchFilterSet


class PostFilter(SearchFilterSet):
    search_fields = ("body",)
    state = django_filters.ChoiceFilter(choices=PostState.choices, label=_("Status"))
    department = django_filters.ModelChoiceFilter(
        field_name="channel__department", queryset=Department.objects.all(), to_field_name="slug"
    )
    # a picker by name, not a list of every channel (100,000 options at scale: most of the page's time)
    channel = PickerFilter("channel", label=_("Channel"))
    tag = django_filters.CharFilter(method="filter_tag", label=_("Tag"))

    class Meta:
        model = Post
        fields = ["q", "state", "department", "channel", "tag"]

    def filter_tag(self, qs, name, value):
        # tags are a short list; a text match on the JSON works on SQLite and PostgreSQL alike
        return qs.filter(tags__icontains=f'"{value.strip().lstrip("#").lower()}"') if value else qs


class StageReviewFilter(django_filters.FilterSet):
    """The approval queue's filters."""

    department = django_filters.ModelChoiceFilter(
        field_name="post__channel__department", queryset=Department.objects.all(), to_field_name="slug"
    )
    channel = PickerFilter("channel", field_name="post__channel", label=_("Channel"))
    stage = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Stage"))
    older_than = django_filters.NumberFilter(method="filter_age", label=_("Waiting more than (hours)"))
    overdue = BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = StageReview
        fields = ["department", "channel", "stage", "older_than", "overdue"]

    def filter_age(self, qs, name, value):
        return qs.filter(opened_at__lte=timezone.now() - timedelta(hours=float(value))) if value else qs

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        now = timezone.now()
        return qs.filter(due_at__lte=now) if value else qs.filter(Q(due_at__gt=now) | Q(due_at__isnull=True))


class DelegationFilter(django_filters.FilterSet):
    current = BooleanFilter(method="filter_current", label=_("In force now"))

    class Meta:
        model = Delegation
        fields = ["current"]

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        now = timezone.now()
        live = Q(revoked_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
        return qs.filter(live) if value else qs.exclude(live)


class LockdownFilter(django_filters.FilterSet):
    active = BooleanFilter(method="filter_active", label=_("In force"))

    class Meta:
        model = Lockdown
        fields = ["scope", "active"]

    def filter_active(self, qs, name, value):
        if value is None:
            return qs
        live = Q(ended_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now()))
        return qs.filter(live) if value else qs.exclude(live)


class DriftFindingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DriftKind.choices, label=_("What"))
    channel = PickerFilter("channel", label=_("Channel"))
    department = django_filters.ModelChoiceFilter(
        field_name="channel__department", queryset=Department.objects.all(), to_field_name="slug"
    )

    class Meta:
        model = DriftFinding
        fields = ["kind", "channel", "department"]
