from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from it_decisions.selectors import Kind


class DecisionFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", _("Any kind")), *Kind.CHOICES], required=False, label=_("Kind"))
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Any department"),
        label=_("Department"),
    )
    due_within_days = forms.IntegerField(
        min_value=0, max_value=3650, required=False, label=_("Review due within (days)")
    )
