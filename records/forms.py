from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.filterkit import PickerField
from records.registry import RECORD_TYPES


class PickedForm(forms.Form):
    """A form whose pickers (a channel, a person by name) find only what ``user`` may see."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, PickerField):
                field.for_user(user)


class HoldForm(PickedForm):
    channel = PickerField("channel", required=False, label=_("Channel"))
    department = forms.ModelChoiceField(queryset=Department.objects.all(), to_field_name="slug", required=False)
    person = PickerField("person", required=False, label=_("Person"), help_text=_("A name or an e-mail address."))
    date_from = forms.DateField(
        required=False, label=_("Records dated from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(required=False, label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text=_("The matter or case.")
    )


class ReleaseForm(forms.Form):
    release_reason = forms.CharField(label=_("Why release it"), max_length=2000)


class RetentionForm(forms.Form):
    record_type = forms.ChoiceField(choices=[(k, t.label) for k, t in RECORD_TYPES.items()], label=_("Kind of record"))
    keep_days = forms.IntegerField(min_value=1, max_value=36500, label=_("Keep for (days)"))


class ArchiveForm(PickedForm):
    channel = PickerField("channel", label=_("Channel"))
    date_from = forms.DateField(label=_("Posts created from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))


class SubjectForm(PickedForm):
    person = PickerField("person", label=_("Person"), help_text=_("A name or an e-mail address."))
    reference = forms.CharField(
        required=False, max_length=100, help_text=_("The request's ticket or letter reference.")
    )
