import django_filters

from accounts.models import Department
from policies.choices import DecisionOutcome, PlatformKind, RuleKind, RuleSeverity
from policies.models import ContentRule, Platform, PlatformDecision


class PlatformFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    kind = django_filters.ChoiceFilter(choices=PlatformKind.choices)
    is_active = django_filters.BooleanFilter()

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


class ContentRuleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    kind = django_filters.ChoiceFilter(choices=RuleKind.choices)
    severity = django_filters.ChoiceFilter(choices=RuleSeverity.choices)
    is_active = django_filters.BooleanFilter()
    department = django_filters.ModelChoiceFilter(
        field_name="departments", queryset=Department.objects.all(), to_field_name="slug"
    )

    class Meta:
        model = ContentRule
        fields = ["q", "kind", "severity", "is_active", "department"]
