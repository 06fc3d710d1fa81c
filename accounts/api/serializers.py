from rest_framework import serializers

from accounts.models import Membership, User
from accounts.permissions import group_names, has_mfa
from accounts.selectors import memberships_of


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

    def to_representation(self, instance):
        """The declared fields' output, built directly: the memberships as rows of one query (with their
        departments), the groups and two-factor enrolment as the caller's authentication read them.
        ``test_tokens`` checks it equals the generic output."""
        memberships = (
            memberships_of(instance)
            .order_by("department__name")
            .values_list("department__slug", "department__name", "role")
        )
        return {
            "id": instance.pk,
            "email": instance.email,
            "full_name": instance.full_name,
            "is_staff": instance.is_staff,
            "groups": self.get_groups(instance),
            "memberships": [
                {"department": slug, "department_name": name, "role": role} for slug, name, role in memberships
            ],
            "mfa_enabled": self.get_mfa_enabled(instance),
            "token_scope": self.get_token_scope(instance),
        }

    def generic_representation(self, instance):
        """DRF's own output of the declared fields (what ``to_representation`` must equal)."""
        return super().to_representation(instance)

    def get_token_scope(self, obj) -> str | None:
        token = self.context["request"].auth
        return getattr(token, "scope", None)
