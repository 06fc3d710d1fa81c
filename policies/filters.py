import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.filtersets import BooleanFilter, SearchFilterSet
from policies.choices import DecisionOutcome, PlatformKind, RuleKind, RuleSeverity
from policies.models import (
    Acknowledgement,
    ContentRule,
    Platform,
    PlatformDecision,
    Policy,
    TrainingCompletion,
    TrainingCourse,
)


class PlatformFilter(SearchFilterSet):
    search_fields = ("name",)
    search_label = _("Name")
    kind = django_filters.ChoiceFilter(choices=PlatformKind.choices)
    is_active = BooleanFilter()

    class Meta:
        model = Platform
        fields = ["q", "kind", "is_active"]


class PlatformDecisionFilter(django_filters.FilterSet):
    platform = django_filters.ModelChoiceFilter(queryset=Platform.objects.all(), to_field_name="slug")
    outcome = django_filters.ChoiceFilter(choices=DecisionOutcome.choices)
    department = django_filters.ModelChoiceFilter(
        field_name="departments", queryset=Department.objects.all(), to_field_name="slug"
    )

    class Meta:
        model = PlatformDecision
        fields = ["platform", "outcome", "department"]


class ContentRuleFilter(SearchFilterSet):
    search_fields = ("name",)
    search_label = _("Name")
    kind = django_filters.ChoiceFilter(choices=RuleKind.choices)
    severity = django_filters.ChoiceFilter(choices=RuleSeverity.choices)
    is_active = BooleanFilter()
    department = django_filters.ModelChoiceFilter(
        field_name="departments", queryset=Department.objects.all(), to_field_name="slug"
    )

    class Meta:
        model = ContentRule
        fields = ["q", "kind", "severity", "is_active", "department"]


class PolicyFilter(SearchFilterSet):
    search_fields = ("title",)
    search_label = _("Title")
    required_to_author = BooleanFilter()
    required_to_review = BooleanFilter()

    class Meta:
        model = Policy
        fields = ["q", "required_to_author", "required_to_review"]


class TrainingCourseFilter(SearchFilterSet):
    search_fields = ("title",)
    search_label = _("Title")
    required_to_author = BooleanFilter()
    required_to_review = BooleanFilter()
    required_to_hold_credentials = BooleanFilter()
    department = django_filters.ModelChoiceFilter(
        field_name="departments", queryset=Department.objects.all(), to_field_name="slug"
    )

    class Meta:
        model = TrainingCourse
        fields = ["q", "required_to_author", "required_to_review", "required_to_hold_credentials", "department"]


class TrainingCompletionFilter(django_filters.FilterSet):
    course = django_filters.ModelChoiceFilter(queryset=TrainingCourse.objects.all(), to_field_name="slug")
    user = django_filters.CharFilter(field_name="user__email", lookup_expr="iexact")
    current = BooleanFilter(method="filter_current")

    class Meta:
        model = TrainingCompletion
        fields = ["course", "user", "current"]

    def filter_current(self, qs, name, value):
        from django.utils import timezone

        today = timezone.localdate()
        return qs.filter(expires_on__gte=today) if value else qs.filter(expires_on__lt=today)


class AcknowledgementFilter(django_filters.FilterSet):
    policy = django_filters.CharFilter(field_name="version__policy__slug")
    user = django_filters.CharFilter(field_name="user__email", lookup_expr="iexact")

    class Meta:
        model = Acknowledgement
        fields = ["policy", "user"]
