from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Department, User
from policies.choices import Audience, DecisionOutcome, RuleSeverity
from policies.content import MAX_TEXT
from policies.models import (
    CONTENT_RULE_FIELDS,
    Acknowledgement,
    ContentRule,
    Platform,
    PlatformDecision,
    Policy,
    PolicyVersion,
    TrainingCompletion,
    TrainingCourse,
)


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
    ended_by = serializers.CharField(source="ended_by.email", read_only=True, allow_null=True, default=None)
    in_force = serializers.SerializerMethodField()

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
            "expires_on",
            "in_force",
            "ended_at",
            "ended_by",
            "end_reason",
            "created_at",
        ]

    def get_in_force(self, obj) -> bool:
        """Not ended and not past its expiry (a decision taking effect later counts as in force)."""
        return obj.in_force()


class PlatformDecisionChangeInput(serializers.Serializer):
    """A decision as it should now read: every field is given (departments: none for every department)."""

    departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False, default=list
    )
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    conditions = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    rationale = serializers.CharField(max_length=5000)
    effective_from = serializers.DateField(required=False, allow_null=True, default=None)
    review_by = serializers.DateField(required=False, allow_null=True, default=None)
    expires_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="The last day it applies; null: until ended."
    )


class PlatformDecisionInput(PlatformDecisionChangeInput):
    platform = serializers.SlugRelatedField(slug_field="slug", queryset=Platform.objects.all())


class PlatformDecisionEndInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class ContentRuleSerializer(serializers.ModelSerializer):
    departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False
    )
    platforms = serializers.SlugRelatedField(
        slug_field="slug", queryset=Platform.objects.all(), many=True, required=False
    )
    route_department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = ContentRule
        fields = ["id", *CONTENT_RULE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class FindingSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    severity = serializers.ChoiceField(choices=RuleSeverity.choices)
    message = serializers.CharField()
    excerpt = serializers.CharField()
    route = serializers.DictField()
    rule = serializers.CharField(help_text="The rule's name.")
    spans = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="Where it matched: [start, end) in code points of the text's NFKC form (at most 20).",
    )
    advice = serializers.CharField(help_text="What the author does about it.")


class ContentCheckInput(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=MAX_TEXT)
    channel = serializers.IntegerField(required=False, help_text="Check under the channel's department and platform.")
    department = serializers.SlugRelatedField(slug_field="slug", queryset=Department.objects.all(), required=False)
    platform = serializers.SlugRelatedField(slug_field="slug", queryset=Platform.objects.all(), required=False)
    sponsored = serializers.BooleanField(default=False)
    links = serializers.ListField(child=serializers.CharField(max_length=2000), required=False, max_length=50)


class ContentCheckResult(serializers.Serializer):
    blocked = serializers.BooleanField()
    findings = FindingSerializer(many=True)


class PolicyVersionSerializer(serializers.ModelSerializer):
    audience_departments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "number",
            "state",
            "body",
            "body_html",
            "change_note",
            "audience_everyone",
            "audience_departments",
            "audience_roles",
            "acknowledge_by",
            "published_at",
        ]


class PolicySerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = Policy
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "required_to_author",
            "required_to_review",
            "required_to_register",
            "current_version",
        ]

    @extend_schema_field(PolicyVersionSerializer(allow_null=True))
    def get_current_version(self, obj):
        version = obj.current_version
        return PolicyVersionSerializer(version).data if version else None


class AcknowledgementSerializer(serializers.ModelSerializer):
    policy = serializers.CharField(source="version.policy.slug", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    user = serializers.CharField(source="user.email", read_only=True)

    class Meta:
        model = Acknowledgement
        fields = ["id", "policy", "version", "user", "acknowledged_at"]


class CoverageRowSerializer(serializers.Serializer):
    department = serializers.CharField(allow_null=True)
    acknowledged = serializers.ListField(child=serializers.EmailField())
    missing = serializers.ListField(child=serializers.EmailField())


class TrainingCourseSerializer(serializers.ModelSerializer):
    departments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = TrainingCourse
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "url",
            "validity_days",
            "required_to_author",
            "required_to_hold_credentials",
            "required_to_review",
            "departments",
            "is_active",
        ]


class TrainingCompletionSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    user = serializers.CharField(source="user.email", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.email", read_only=True)

    class Meta:
        model = TrainingCompletion
        fields = ["id", "course", "user", "completed_on", "expires_on", "method", "recorded_by", "note", "created_at"]


class CompletionInput(serializers.Serializer):
    user = serializers.SlugRelatedField(
        slug_field="email",
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="Whose completion (a trainer or manager records it); empty: your own, with attested=true.",
    )
    attested = serializers.BooleanField(default=False)
    completed_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class PolicyInput(serializers.Serializer):
    title = serializers.CharField(max_length=150)
    slug = serializers.SlugField(max_length=60)
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True)
    required_to_author = serializers.BooleanField(default=False)
    required_to_review = serializers.BooleanField(default=False)
    required_to_register = serializers.BooleanField(default=False)


class PolicyDraftInput(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown; rendered to sanitised HTML.")
    change_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    audience_everyone = serializers.BooleanField(default=True)
    audience_departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False
    )
    audience_roles = serializers.ListField(child=serializers.ChoiceField(choices=Audience.choices), required=False)
    acknowledge_by = serializers.DateField(required=False, allow_null=True)


class PublishInput(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, help_text="The draft version to publish.")


class TrainingCourseInput(serializers.ModelSerializer):
    departments = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), many=True, required=False
    )

    class Meta:
        model = TrainingCourse
        fields = [
            "slug",
            "title",
            "description",
            "url",
            "validity_days",
            "required_to_author",
            "required_to_hold_credentials",
            "required_to_review",
            "departments",
            "is_active",
        ]
