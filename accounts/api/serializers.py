from rest_framework import serializers

from accounts.models import Membership, User
from accounts.permissions import group_names, has_mfa


class MembershipSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["department", "department_name", "role"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)
    groups = serializers.SerializerMethodField()
    mfa_enabled = serializers.SerializerMethodField()
    token_scope = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "is_staff", "groups", "memberships", "mfa_enabled", "token_scope"]

    def get_groups(self, obj) -> list[str]:
        return sorted(group_names(obj))

    def get_mfa_enabled(self, obj) -> bool:
        return has_mfa(obj)

    def get_token_scope(self, obj) -> str | None:
        token = self.context["request"].auth
        return getattr(token, "scope", None)
