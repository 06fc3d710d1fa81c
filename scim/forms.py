from django import forms
from django.utils.translation import gettext_lazy as _


class ScimTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text=_("Which identity provider uses it, e.g. “Okta production”."))


class RequestFilterForm(forms.Form):
    RESULTS = [("", "All"), ("failed", "Failed (4xx, 5xx)"), ("ok", "Succeeded")]

    result = forms.ChoiceField(choices=RESULTS, required=False)
