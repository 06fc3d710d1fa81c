from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Department, User
from channels_registry.choices import (
    CHECKLIST,
    AccessRequestKind,
    ActivityKind,
    ChannelRole,
    TriageOutcome,
)
from channels_registry.models import (
    AccessGrant,
    AccessRequest,
    Channel,
    ChannelActivity,
    ChannelMembership,
    DormancyFinding,
    Recertification,
    ReportedAccount,
    RotationTask,
    SecurityReview,
)
from core.api.deciders import DecidersSerializer, deciders_of
from policies.models import Platform

_EMAIL = {"slug_field": "email", "read_only": True}


class ChannelSerializer(serializers.ModelSerializer):
    """A channel's public facts."""

    platform = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    custodian_count = serializers.IntegerField(read_only=True)
    orphaned = serializers.BooleanField(source="is_orphaned", read_only=True)

    class Meta:
        model = Channel
        fields = [
            "id",
            "platform",
            "handle",
            "url",
            "display_name",
            "department",
            "purpose",
            "audience",
            "state",
            "state_reason",
            "custodian_count",
            "orphaned",
            "created_at",
            "activated_at",
            "last_activity_at",
            "dormant_since",
        ]


class ChannelRegisteredSerializer(ChannelSerializer):
    """A channel just registered (or approved), and who decides its next step (separation of duties)."""

    deciders = serializers.SerializerMethodField()

    class Meta(ChannelSerializer.Meta):
        fields = [*ChannelSerializer.Meta.fields, "deciders"]

    @extend_schema_field(DecidersSerializer)
    def get_deciders(self, obj):
        return deciders_of(obj)


class ChannelMembershipSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = ChannelMembership
        fields = ["id", "user", "role", "holds_credentials", "mfa_confirmed", "created_at"]


class SecurityReviewSerializer(serializers.ModelSerializer):
    reviewer = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = SecurityReview
        fields = ["id", "reviewer", "outcome", "checklist", "note", "decided_at"]


class ChannelSecuritySerializer(ChannelSerializer):
    """Public facts plus the security details (custodians, department managers, IT, auditors)."""

    members = ChannelMembershipSerializer(source="live_members", many=True, read_only=True)
    security_reviews = SecurityReviewSerializer(many=True, read_only=True)

    class Meta(ChannelSerializer.Meta):
        fields = [
            *ChannelSerializer.Meta.fields,
            "recovery_contact",
            "mfa_enabled",
            "credentials_location",
            "tools_connected",
            "members",
            "security_reviews",
        ]


class ChannelRegisterInput(serializers.Serializer):
    platform = serializers.SlugRelatedField(slug_field="slug", queryset=Platform.objects.all())
    handle = serializers.CharField()
    url = serializers.CharField()
    display_name = serializers.CharField()
    department = serializers.SlugRelatedField(slug_field="slug", queryset=Department.objects.all())
    purpose = serializers.CharField()
    audience = serializers.CharField()
    custodians = serializers.SlugRelatedField(
        slug_field="email", queryset=User.objects.all(), many=True, help_text="E-mail addresses; the first is owner."
    )
    recovery_contact = serializers.CharField()
    mfa_enabled = serializers.BooleanField()
    credentials_location = serializers.CharField(help_text="A vault reference such as vault://team/item.")
    tools_connected = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ChecklistItemInput(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class SecurityReviewInput(serializers.Serializer):
    checklist = serializers.DictField(
        child=ChecklistItemInput(), help_text=f"One entry per item: {', '.join(CHECKLIST)}."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ActivityInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActivityKind.choices, default=ActivityKind.OTHER)
    occurred_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ChannelActivitySerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = ChannelActivity
        fields = ["id", "channel", "occurred_at", "kind", "source", "note", "recorded_by", "created_at"]


class DormancyFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = DormancyFinding
        fields = ["id", "channel", "state", "last_activity_at", "opened_at", "escalated_at", "resolved_at"]


class GrantInput(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="email", queryset=User.objects.all())
    role = serializers.ChoiceField(choices=ChannelRole.choices)
    reason = serializers.CharField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    holds_credentials = serializers.BooleanField(default=False)


class AccessGrantSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(**_EMAIL)
    granted_by = serializers.SlugRelatedField(**_EMAIL)
    revoked_by = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "channel",
            "user",
            "role",
            "granted_by",
            "granted_at",
            "reason",
            "request",
            "valid_until",
            "review_by",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]


class AccessRequestSerializer(serializers.ModelSerializer):
    requester = serializers.SlugRelatedField(**_EMAIL)
    decided_by = serializers.SlugRelatedField(**_EMAIL)
    platform = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "kind",
            "requester",
            "channel",
            "role",
            "platform",
            "department",
            "reason",
            "state",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
        ]


class AccessRequestCreatedSerializer(AccessRequestSerializer):
    """A request just made, and who will decide it (separation of duties: never the requester)."""

    deciders = serializers.SerializerMethodField()

    class Meta(AccessRequestSerializer.Meta):
        fields = [*AccessRequestSerializer.Meta.fields, "deciders"]

    @extend_schema_field(DecidersSerializer)
    def get_deciders(self, obj):
        return deciders_of(obj)


class AccessRequestInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AccessRequestKind.choices)
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all(), required=False, allow_null=True)
    role = serializers.ChoiceField(choices=ChannelRole.choices, required=False, allow_blank=True, default="")
    platform = serializers.SlugRelatedField(
        slug_field="slug", queryset=Platform.objects.all(), required=False, allow_null=True
    )
    department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField()


class DecideInput(serializers.Serializer):
    grant = serializers.BooleanField()
    reason = serializers.CharField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)


class RecertificationSerializer(serializers.ModelSerializer):
    decided_by = serializers.SlugRelatedField(**_EMAIL)
    channel = serializers.IntegerField(source="grant.channel_id", read_only=True)
    user = serializers.EmailField(source="grant.user.email", read_only=True)
    role = serializers.CharField(source="grant.role", read_only=True)

    class Meta:
        model = Recertification
        fields = [
            "id",
            "grant",
            "channel",
            "user",
            "role",
            "state",
            "opened_at",
            "escalate_at",
            "escalated_at",
            "decided_by",
            "decided_at",
            "note",
        ]


class RecertifyInput(serializers.Serializer):
    confirm = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RotationTaskSerializer(serializers.ModelSerializer):
    departed_user = serializers.SlugRelatedField(**_EMAIL)
    closed_by = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = RotationTask
        fields = ["id", "channel", "departed_user", "state", "opened_at", "closed_by", "closed_at", "note"]


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReportedAccountSerializer(serializers.ModelSerializer):
    platform = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reported_by = serializers.SlugRelatedField(**_EMAIL)
    triaged_by = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = ReportedAccount
        fields = [
            "id",
            "platform",
            "url",
            "note",
            "reported_by",
            "created_at",
            "state",
            "triaged_by",
            "triaged_at",
            "triage_note",
            "channel",
        ]


class ReportedAccountInput(serializers.Serializer):
    platform = serializers.SlugRelatedField(slug_field="slug", queryset=Platform.objects.all())
    url = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TriageInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TriageOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all(), required=False, allow_null=True)


class OffboardInput(serializers.Serializer):
    user = serializers.SlugRelatedField(slug_field="email", queryset=User.objects.all())
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class OffboardResult(serializers.Serializer):
    user = serializers.EmailField()
    memberships_ended = serializers.IntegerField()
    rotation_tasks = serializers.ListField(child=serializers.IntegerField())
    orphaned_channels = serializers.ListField(child=serializers.IntegerField())
