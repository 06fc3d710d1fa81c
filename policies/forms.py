from django import forms

from accounts.models import Department, User
from policies.choices import DecisionOutcome
from policies.models import Platform


class AttestForm(forms.Form):
    completed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    attested = forms.BooleanField(label="I completed this course and understood it.")


class RecordCompletionForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), to_field_name="email", label="Trainee (e-mail)"
    )
    completed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, max_length=300)


class ContentCheckForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000, strip=False)
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), to_field_name="slug", required=False, empty_label="Any department"
    )
    platform = forms.ModelChoiceField(
        queryset=Platform.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        empty_label="Any platform",
    )
    sponsored = forms.BooleanField(required=False, label="Sponsored post")


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        required=False, label=label, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"})
    )


class PlatformDecisionForm(forms.Form):
    """IT's decision about a platform: for whom, what, why and until when (the service checks the rest)."""

    platform = forms.ModelChoiceField(queryset=Platform.objects.filter(is_active=True), to_field_name="slug")
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every department.",
    )
    outcome = forms.ChoiceField(choices=DecisionOutcome.choices, widget=forms.RadioSelect, label="Decision")
    conditions = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only for “allowed with conditions”: what a channel must do.",
    )
    rationale = forms.CharField(
        max_length=5000,
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="People who are refused read it.",
    )
    effective_from = _date("In force from", "Empty: today.")
    review_by = _date("Review by", "IT is reminded 14 days before.")
    expires_on = _date("Expires after", "The last day it applies; empty: until changed or ended.")

    def __init__(self, *args, decision=None, **kwargs):
        super().__init__(*args, **kwargs)
        if decision is not None:  # a change keeps the platform: another platform is another decision
            del self.fields["platform"]


class DecisionEndForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why it ends", widget=forms.TextInput(attrs={"size": 60}))
