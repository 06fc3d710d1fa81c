import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from policies.choices import Audience, DecisionOutcome
from policies.models import CONTENT_RULE_FIELDS, ContentRule, Platform, Policy, TrainingCourse


class AttestForm(forms.Form):
    completed_on = forms.DateField(
        required=False, label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    attested = forms.BooleanField(label=_("I completed this course and understood it."))


class RecordCompletionForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), to_field_name="email", label=_("Trainee (e-mail)")
    )
    completed_on = forms.DateField(
        required=False, label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(required=False, max_length=300, label=_("Note"))


class ContentCheckForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000, strip=False)
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        to_field_name="slug",
        required=False,
        label=_("Department"),
        empty_label=_("Any department"),
    )
    platform = forms.ModelChoiceField(
        queryset=Platform.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        label=_("Platform"),
        empty_label=_("Any platform"),
    )
    sponsored = forms.BooleanField(required=False, label=_("Sponsored post"))


def _date(label, help_text="") -> forms.DateField:
    return forms.DateField(
        required=False, label=label, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"})
    )


class PlatformDecisionForm(forms.Form):
    """IT's decision about a platform: for whom, what, why and until when (the service checks the rest)."""

    platform = forms.ModelChoiceField(
        queryset=Platform.objects.filter(is_active=True), to_field_name="slug", label=_("Platform")
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Departments"),
        help_text=_("None ticked: every department."),
    )
    outcome = forms.ChoiceField(choices=DecisionOutcome.choices, widget=forms.RadioSelect, label=_("Decision"))
    conditions = forms.CharField(
        required=False,
        max_length=5000,
        label=_("Conditions"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for “allowed with conditions”: what a channel must do."),
    )
    rationale = forms.CharField(
        max_length=5000,
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("People who are refused read it."),
    )
    effective_from = _date(_("In force from"), _("Empty: today."))
    review_by = _date(_("Review by"), _("IT is reminded 14 days before."))
    expires_on = _date(_("Expires after"), _("The last day it applies; empty: until changed or ended."))

    def __init__(self, *args, decision=None, **kwargs):
        super().__init__(*args, **kwargs)
        if decision is not None:  # a change keeps the platform: another platform is another decision
            del self.fields["platform"]


class DecisionEndForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("Why it ends"), widget=forms.TextInput(attrs={"size": 60}))


# --- What communications and IT security write -------------------------------------------------------------------


class PolicyForm(forms.ModelForm):
    """A policy's title, address and what it is required for; its text is written as versions."""

    class Meta:
        model = Policy
        fields = ["title", "slug", "summary", "required_to_author", "required_to_review", "required_to_register"]
        help_texts = {"slug": _("Its address: /policies/<this>/. Letters, digits and hyphens.")}


class PolicyVersionForm(forms.Form):
    """A new draft version of a policy (it binds no one until it is published)."""

    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=100_000,
        strip=False,
        help_text=_("Markdown."),
    )
    change_note = forms.CharField(
        required=False,
        max_length=300,
        label=_("What changed"),
        help_text=_("Shown to everyone asked to acknowledge it."),
    )
    audience_everyone = forms.BooleanField(required=False, initial=True, label=_("Everyone must acknowledge it"))
    audience_departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Or these departments"),
    )
    audience_roles = forms.MultipleChoiceField(
        choices=Audience.choices, required=False, widget=forms.CheckboxSelectMultiple, label=_("And these roles")
    )
    acknowledge_by = _date(_("Acknowledge by"), _("Empty: no date; the weekly reminder still asks."))


def _emails(value: str) -> list[str]:
    return sorted({e.strip().lower() for e in re.split(r"[\s,;]+", value or "") if e.strip()})


class TrainingCourseForm(forms.ModelForm):
    """A course: what it is, how long a completion lasts, what it is required for and who trains it."""

    url = forms.URLField(
        required=False, assume_scheme="https", label=_("URL"), help_text=_("Where the course material is.")
    )
    trainers = forms.CharField(
        required=False,
        max_length=5000,
        label=_("Trainers"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E-mail addresses, comma-separated: they record others' completions."),
    )

    class Meta:
        model = TrainingCourse
        fields = [
            "title",
            "slug",
            "description",
            "url",
            "validity_days",
            "required_to_author",
            "required_to_review",
            "required_to_hold_credentials",
            "departments",
            "is_active",
        ]
        widgets = {"departments": forms.CheckboxSelectMultiple, "description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"departments": _("None ticked: required everywhere.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.order_by("name")
        if self.instance.pk and not self.is_bound:
            self.initial["trainers"] = ", ".join(u.email for u in self.instance.trainers.order_by("email"))

    def clean_trainers(self):
        emails = _emails(self.cleaned_data.get("trainers", ""))
        found = list(User.objects.filter(email__in=emails, is_active=True))
        if unknown := sorted(set(emails) - {u.email.lower() for u in found}):
            raise forms.ValidationError(
                gettext("No active person with the address %(addresses)s.") % {"addresses": ", ".join(unknown)}
            )
        return found


class ContentRuleForm(forms.ModelForm):
    """A content rule (the model checks what each kind and severity needs, and that a pattern is safe)."""

    class Meta:
        model = ContentRule
        fields = list(CONTENT_RULE_FIELDS)
        widgets = {
            "departments": forms.CheckboxSelectMultiple,
            "platforms": forms.CheckboxSelectMultiple,
            "terms": forms.Textarea(attrs={"rows": 4}),
            "message": forms.TextInput(attrs={"size": 60}),
        }
        help_texts = {
            "departments": _("None ticked: every department."),
            "platforms": _("None ticked: every platform."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.order_by("name")
        self.fields["platforms"].queryset = Platform.objects.filter(is_active=True).order_by("name")
        self.fields["route_department"].queryset = Department.objects.order_by("name")
