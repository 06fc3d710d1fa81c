"""One FilterSet per listed model, shared by the pages and the API."""

import django_filters

from accounts.choices import Role
from accounts.models import Department, Membership


class MembershipFilter(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), to_field_name="slug")
    role = django_filters.ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["department", "role"]
