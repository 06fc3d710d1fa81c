"""One FilterSet per listed model, shared by the pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy

from accounts.models import Department
from channels_registry.choices import (
    AccessRequestKind,
    AccessRequestState,
    ActivityKind,
    ChannelState,
    FindingState,
    RecertificationState,
    ReportedState,
    RotationState,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelActivity,
    DormancyFinding,
    Recertification,
    ReportedAccount,
    RotationTask,
)
from channels_registry.selectors import security_gap_q
from core.filterkit import PickerFilter
from core.filtersets import BooleanFilter, SearchFilterSet
from policies.models import Platform


class ChannelFilter(SearchFilterSet):
    search_fields = ("handle", "display_name")
    platform = django_filters.ModelChoiceFilter(queryset=Platform.objects.all(), to_field_name="slug")
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), to_field_name="slug")
    state = django_filters.ChoiceFilter(choices=ChannelState.choices, label=gettext_lazy("Status"))
    dormant = BooleanFilter(method="filter_dormant", label=gettext_lazy("Dormant"))
    orphaned = BooleanFilter(method="filter_orphaned", label=gettext_lazy("Orphaned"))
    security_gaps = BooleanFilter(method="filter_gaps", label=gettext_lazy("Open security gaps"))

    class Meta:
        model = Channel
        fields = ["q", "platform", "department", "state", "dormant", "orphaned", "security_gaps"]

    def filter_dormant(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(state=ChannelState.DORMANT) if value else qs.exclude(state=ChannelState.DORMANT)

    def filter_orphaned(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(orphaned_at__isnull=not value)

    def filter_gaps(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(security_gap_q()) if value else qs.exclude(security_gap_q())


class AccessRequestFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AccessRequestKind.choices)
    state = django_filters.ChoiceFilter(choices=AccessRequestState.choices)
    channel = PickerFilter("channel", label=gettext_lazy("Channel"))

    class Meta:
        model = AccessRequest
        fields = ["kind", "state", "channel"]


class RecertificationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RecertificationState.choices)
    channel = PickerFilter("channel", field_name="grant__channel", label=gettext_lazy("Channel"))

    class Meta:
        model = Recertification
        fields = ["state", "channel"]


class RotationTaskFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RotationState.choices)
    channel = PickerFilter("channel", label=gettext_lazy("Channel"))

    class Meta:
        model = RotationTask
        fields = ["state", "channel"]


class ReportedAccountFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ReportedState.choices)
    platform = django_filters.ModelChoiceFilter(queryset=Platform.objects.all(), to_field_name="slug")

    class Meta:
        model = ReportedAccount
        fields = ["state", "platform"]


class ChannelActivityFilter(django_filters.FilterSet):
    channel = PickerFilter("channel", label=gettext_lazy("Channel"))
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices)
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = ChannelActivity
        fields = ["channel", "kind", "since"]


class DormancyFindingFilter(django_filters.FilterSet):
    channel = PickerFilter("channel", label=gettext_lazy("Channel"))
    state = django_filters.ChoiceFilter(choices=FindingState.choices)

    class Meta:
        model = DormancyFinding
        fields = ["channel", "state"]


class AccessGrantFilter(django_filters.FilterSet):
    channel = PickerFilter("channel", label=gettext_lazy("Channel"))
    live = BooleanFilter(field_name="revoked_at", lookup_expr="isnull", label=gettext_lazy("Live"))
    review_due_by = django_filters.DateFilter(field_name="review_by", lookup_expr="lte")

    class Meta:
        model = AccessGrant
        fields = ["channel", "live", "review_due_by"]
