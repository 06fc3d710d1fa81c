from rest_framework import serializers

from accounts.models import Department
from policies.choices import DecisionOutcome
from policies.models import Platform, PlatformDecision


class PlatformSerializer(serializers.ModelSerializer):
    class Meta:
        model = Platform
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "handle_pattern",
            "handle_hint",
            "strip_prefix",
            "case_insensitive",
            "url_hosts",
            "char_limit",
            "dormancy_days",
            "supports_mfa",
            "is_active",
        ]


class PlatformDecisionSerializer(serializers.ModelSerializer):
    platform = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    departments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    decided_by = serializers.CharField(source="decided_by.email", read_only=True)

    class Meta:
        model = PlatformDecision
        fields = [
            "id",
            "platform",
            "departments",
            "outcome",
            "conditions",
            "rationale",
            "decided_by",
            "effective_from",
            "review_by",
            "created_at",
        ]


class PlatformDecisionInput(serializers.Serializer):
    platform = serializers.SlugRelatedField(slug_field="slug", queryset=Platform.objects.all())
    departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False
    )
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    conditions = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    rationale = serializers.CharField(max_length=5000)
    effective_from = serializers.DateField(required=False)
    review_by = serializers.DateField(required=False, allow_null=True)
