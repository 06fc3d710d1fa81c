from django import forms

from notifications.choices import EmailMode


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(choices=EmailMode.choices, widget=forms.RadioSelect, label="E-mail me")
