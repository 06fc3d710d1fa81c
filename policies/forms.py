from django import forms

from accounts.models import Department, User
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
