from rest_framework import serializers

from accounts.choices import Role
from accounts.models import Department, Membership, User
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
        fields = [
            "id",
            "email",
            "full_name",
            "language",
            "is_staff",
            "groups",
            "memberships",
            "mfa_enabled",
            "token_scope",
        ]
        # the language is chosen on the profile page (accounts.services.user_language_set); "" leaves it to the browser
        read_only_fields = ["language"]

    def get_groups(self, obj) -> list[str]:
        return sorted(group_names(obj))

    def get_mfa_enabled(self, obj) -> bool:
        return has_mfa(obj)

    def get_token_scope(self, obj) -> str | None:
        token = self.context["request"].auth
        return getattr(token, "scope", None)


class DepartmentMembershipSerializer(serializers.ModelSerializer):
    """A membership as a department's managers see it: who, in which role, since when."""

    department = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "department", "user", "email", "full_name", "role", "created_at"]
        read_only_fields = fields


class MembershipAddInput(serializers.Serializer):
    department = serializers.SlugRelatedField(slug_field="slug", queryset=Department.objects.all())
    email = serializers.CharField(max_length=254, help_text="The address the person signs in with.")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class MembershipRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
