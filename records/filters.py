"""One FilterSet per listed model, shared by the pages and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.filterkit import PickerFilter
from core.filtersets import BooleanFilter
from records.choices import RequestKind, RequestState
from records.models import LegalHold, SubjectRequest


class LegalHoldFilter(django_filters.FilterSet):
    active = BooleanFilter(field_name="released_at", lookup_expr="isnull", label=_("In force"))
    channel = PickerFilter("channel", label=_("Channel"))
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all(), to_field_name="slug")

    class Meta:
        model = LegalHold
        fields = ["active", "channel", "department"]


class SubjectRequestFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices)
    state = django_filters.ChoiceFilter(choices=RequestState.choices)
    person = PickerFilter("person", label=_("Person"))

    class Meta:
        model = SubjectRequest
        fields = ["kind", "state", "person"]
