from django import forms

from accounts.models import User


class AttestForm(forms.Form):
    completed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    attested = forms.BooleanField(label="I completed this course and understood it.")


class RecordCompletionForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), to_field_name="email", label="Trainee (e-mail)"
    )
    completed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, max_length=300)
