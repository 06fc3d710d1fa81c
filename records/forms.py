from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from channels_registry.models import Channel
from records.registry import RECORD_TYPES

User = get_user_model()


class PersonField(forms.CharField):
    """A person by e-mail address or number (no list of everyone)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        person = (
            User.objects.filter(pk=int(value)).first()
            if value.isdigit()
            else User.objects.filter(email__iexact=value).first()
        )
        if person is None:
            raise forms.ValidationError("No such person.")
        return person


class ChannelNumberField(forms.ModelChoiceField):
    widget = forms.NumberInput

    def __init__(self, **kwargs):
        super().__init__(queryset=Channel.objects.select_related("platform", "department"), **kwargs)


class HoldForm(forms.Form):
    channel = ChannelNumberField(required=False, label=_("Channel (number)"))
    department = forms.ModelChoiceField(queryset=Department.objects.all(), to_field_name="slug", required=False)
    person = PersonField(required=False, label=_("Person (e-mail or number)"), max_length=254)
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


class ArchiveForm(forms.Form):
    channel = ChannelNumberField(label=_("Channel (number)"))
    date_from = forms.DateField(label=_("Posts created from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), widget=forms.DateInput(attrs={"type": "date"}))


class SubjectForm(forms.Form):
    person = PersonField(label=_("Person (e-mail or number)"), max_length=254)
    reference = forms.CharField(
        required=False, max_length=100, help_text=_("The request's ticket or letter reference.")
    )
