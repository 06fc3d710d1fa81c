from django.contrib.auth import get_user_model
from rest_framework import serializers

from accounts.models import Department
from channels_registry.models import Channel
from records.models import LegalHold, SubjectRequest

User = get_user_model()


class LegalHoldSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    scope = serializers.CharField(source="scope_label", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "scope",
            "channel",
            "department",
            "person",
            "date_from",
            "date_to",
            "reason",
            "set_by",
            "created_at",
            "active",
            "released_at",
            "released_by",
            "release_reason",
        ]
        read_only_fields = fields


class LegalHoldInput(serializers.Serializer):
    channel = serializers.PrimaryKeyRelatedField(queryset=Channel.objects.all(), required=False, default=None)
    department = serializers.SlugRelatedField(
        slug_field="slug", queryset=Department.objects.all(), required=False, default=None
    )
    person = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, default=None)
    date_from = serializers.DateField(required=False, default=None)
    date_to = serializers.DateField(required=False, default=None)
    reason = serializers.CharField(max_length=2000)


class ReleaseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SubjectRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubjectRequest
        fields = ["id", "kind", "person", "handled_by", "reference", "state", "created_at", "counts", "refusal"]
        read_only_fields = fields
