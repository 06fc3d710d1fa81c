from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.choices import Role
from accounts.models import Department, User
from approvals.choices import LockdownScope, Outcome, StageMode
from approvals.models import (
    ApprovalReceipt,
    ApprovalRoute,
    Decision,
    Delegation,
    DriftFinding,
    Lockdown,
    Post,
    PostRevision,
    PublicationReport,
    RouteStage,
    StageReview,
)
from channels_registry.models import Channel
from core.api.deciders import DecidersSerializer, deciders_of

_EMAIL = {"slug_field": "email", "read_only": True}
_NULLABLE_EMAIL = {**_EMAIL, "allow_null": True}
# A stage names a department role, a group or people: the role may be blank.
_ROLE = {"choices": Role.choices, "allow_blank": True, "read_only": True}


class PostSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(**_EMAIL)
    platform = serializers.CharField(source="channel.platform.slug", read_only=True)
    department = serializers.CharField(source="channel.department.slug", read_only=True)
    revision = serializers.IntegerField(source="current_revision.number", read_only=True, allow_null=True)
    findings = serializers.JSONField(source="current_revision.findings", read_only=True, allow_null=True)
    published_url = serializers.CharField(read_only=True, help_text="Where it went out; empty until published.")

    class Meta:
        model = Post
        fields = [
            "id",
            "channel",
            "platform",
            "department",
            "author",
            "state",
            "body",
            "links",
            "tags",
            "sponsored",
            "scheduled_at",
            "revision",
            "findings",
            "created_at",
            "updated_at",
            "submitted_at",
            "approved_at",
            "released_at",
            "published_at",
            "published_url",
        ]
        read_only_fields = fields


class PostSubmittedSerializer(PostSerializer):
    """A post just sent for review, and who decides its first stage (separation of duties: never its author; a
    one-person department's post goes up to its managers, then IT security)."""

    deciders = serializers.SerializerMethodField()

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "deciders"]
        read_only_fields = fields

    @extend_schema_field(DecidersSerializer(allow_null=True))
    def get_deciders(self, obj):
        return deciders_of(obj)


class PostRevisionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = PostRevision
        fields = [
            "id",
            "number",
            "body",
            "links",
            "tags",
            "sponsored",
            "scheduled_at",
            "findings",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PostInput(serializers.Serializer):
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all())
    body = serializers.CharField(trim_whitespace=False)
    links = serializers.ListField(child=serializers.CharField(max_length=500), required=False, default=list)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    sponsored = serializers.BooleanField(required=False, default=False)


class PostUpdateInput(PostInput):
    channel = None


class PostDecideInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    stage = serializers.IntegerField(required=False, help_text="The stage review; default: the open one you decide.")


class BulkDecideInput(serializers.Serializer):
    stage_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_empty=True, help_text="The stage reviews (at most 50)."
    )
    outcome = serializers.ChoiceField(choices=[Outcome.APPROVE, Outcome.REQUEST_CHANGES])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class PublishedInput(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False, help_text="The text as it went out."
    )
    url = serializers.URLField(
        required=False, allow_blank=True, default="", max_length=500, help_text="The post's address on the network."
    )
    links = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, default=list, help_text="Links besides the text's."
    )
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    receipt = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The token from GET /posts/{id}/receipt/."
    )
    channel = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The channel it went out on (default: the post's)."
    )


class ReceiptSerializer(serializers.ModelSerializer):
    revision = serializers.IntegerField(source="revision.number", read_only=True)
    token = serializers.SerializerMethodField(help_text="Give this back when reporting the publication.")
    public_key_url = serializers.SerializerMethodField(help_text="The Ed25519 public key (algorithm ed25519).")

    class Meta:
        model = ApprovalReceipt
        fields = [
            "post",
            "revision",
            "channel",
            "content_hash",
            "payload",
            "algorithm",
            "key_id",
            "signature",
            "token",
            "public_key_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_token(self, obj) -> str:
        from approvals.services import receipt_token

        return receipt_token(obj)

    def get_public_key_url(self, obj) -> str:
        return reverse("audit:public_key") if obj.algorithm == "ed25519" else ""


class DriftFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = DriftFinding
        fields = ["id", "kind", "channel", "post", "report", "activity", "detail", "data", "created_at"]
        read_only_fields = fields


class PublicationReportSerializer(serializers.ModelSerializer):
    reported_by = serializers.SlugRelatedField(**_EMAIL)
    post_state = serializers.CharField(source="post.state", read_only=True)
    url = serializers.CharField(read_only=True, help_text="The post's address on the network, as reported.")
    findings = DriftFindingSerializer(many=True, read_only=True)

    class Meta:
        model = PublicationReport
        fields = [
            "id",
            "post",
            "post_state",
            "channel",
            "reported_by",
            "outcome",
            "text",
            "url",
            "links",
            "published_at",
            "receipt",
            "findings",
            "created_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    reviewer = serializers.SlugRelatedField(**_EMAIL)
    on_behalf_of = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = Decision
        fields = [
            "id",
            "stage_review",
            "reviewer",
            "on_behalf_of",
            "outcome",
            "comment",
            "created_at",
        ]
        read_only_fields = fields


class BulkResultSerializer(serializers.Serializer):
    stage = serializers.IntegerField(source="stage_id")
    post = serializers.IntegerField(source="post_id", allow_null=True)
    ok = serializers.BooleanField()
    status = serializers.IntegerField(help_text="200, or the status the stage alone would have been refused with.")
    code = serializers.CharField()
    detail = serializers.CharField(source="message")
    decision = DecisionSerializer(allow_null=True)


class BulkDecideResultSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)


class StageReviewSerializer(serializers.ModelSerializer):
    post = PostSerializer(read_only=True)
    revision = serializers.IntegerField(source="revision.number", read_only=True)
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    role = serializers.ChoiceField(**_ROLE)

    class Meta:
        model = StageReview
        fields = [
            "id",
            "post",
            "revision",
            "position",
            "name",
            "department",
            "role",
            "group",
            "mode",
            "required",
            "approvals",
            "state",
            "opened_at",
            "due_at",
            "escalated_at",
        ]
        read_only_fields = fields


class RouteStageSerializer(serializers.ModelSerializer):
    users = serializers.SlugRelatedField(many=True, **_EMAIL)
    escalate_to = serializers.SlugRelatedField(**_NULLABLE_EMAIL)
    role = serializers.ChoiceField(**_ROLE)

    class Meta:
        model = RouteStage
        fields = [
            "id",
            "position",
            "name",
            "role",
            "group",
            "users",
            "mode",
            "required",
            "sla_hours",
            "escalate_to",
            "public_only",
        ]
        read_only_fields = fields


class ApprovalRouteSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    stages = RouteStageSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRoute
        fields = [
            "id",
            "name",
            "department",
            "channel",
            "distinct_reviewers",
            "stages",
            "updated_at",
        ]
        read_only_fields = fields


class ChannelRouteInput(serializers.Serializer):
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(), help_text="The channel that gets its own route."
    )


class RouteSettingsInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    distinct_reviewers = serializers.BooleanField(
        required=False, help_text="One person decides at most one stage of the same revision."
    )


class RouteStageInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.CharField(required=False, allow_blank=True, default="")
    group = serializers.CharField(required=False, allow_blank=True, default="")
    users = serializers.SlugRelatedField(
        slug_field="email", queryset=User.objects.filter(is_active=True), many=True, required=False, default=list
    )
    mode = serializers.ChoiceField(choices=StageMode.choices, default=StageMode.ANY)
    required = serializers.IntegerField(min_value=1, default=1)
    sla_hours = serializers.IntegerField(min_value=1, default=24)
    escalate_to = serializers.SlugRelatedField(
        slug_field="email", queryset=User.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    public_only = serializers.BooleanField(default=False)


class DelegationSerializer(serializers.ModelSerializer):
    delegator = serializers.SlugRelatedField(**_EMAIL)
    delegate = serializers.SlugRelatedField(**_EMAIL)

    class Meta:
        model = Delegation
        fields = [
            "id",
            "delegator",
            "delegate",
            "starts_at",
            "ends_at",
            "reason",
            "created_at",
            "revoked_at",
        ]
        read_only_fields = fields


class DelegationInput(serializers.Serializer):
    delegate = serializers.SlugRelatedField(slug_field="email", queryset=User.objects.filter(is_active=True))
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class LockdownSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    started_by = serializers.SlugRelatedField(**_EMAIL)
    ended_by = serializers.SlugRelatedField(**_NULLABLE_EMAIL)

    class Meta:
        model = Lockdown
        fields = [
            "id",
            "scope",
            "department",
            "channel",
            "reason",
            "started_by",
            "started_at",
            "ends_at",
            "ended_at",
            "ended_by",
        ]
        read_only_fields = fields


class LockdownInput(serializers.Serializer):
    scope = serializers.ChoiceField(choices=LockdownScope.choices, default=LockdownScope.ALL)
    department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), required=False, allow_null=True, default=None
    )
    channel = serializers.PrimaryKeyRelatedField(
        queryset=Channel.objects.all(), required=False, allow_null=True, default=None
    )
    reason = serializers.CharField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
