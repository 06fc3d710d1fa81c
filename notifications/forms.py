from django import forms

from notifications.choices import EmailMode
from notifications.models import WebhookEndpoint
from socialgov import outbound


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(choices=EmailMode.choices, widget=forms.RadioSelect, label="E-mail me")


class WebhookEndpointForm(forms.ModelForm):
    """The admin's endpoint form: a URL inside the company's network is a field error with the reason."""

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "events", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            outbound.check_url(url, unresolved_ok=True)
        except outbound.OutboundRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url
