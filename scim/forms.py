from django import forms


class ScimTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which identity provider uses it, e.g. “Okta production”.")


class RequestFilterForm(forms.Form):
    RESULTS = [("", "All"), ("failed", "Failed (4xx, 5xx)"), ("ok", "Succeeded")]

    result = forms.ChoiceField(choices=RESULTS, required=False)
