from django import forms
from django.utils.translation import gettext_lazy as _

from core import outbound
from notifications.choices import ChatKind, EmailMode
from notifications.models import WebhookEndpoint


class PreferenceForm(forms.Form):
    email_mode = forms.ChoiceField(choices=EmailMode.choices, widget=forms.RadioSelect, label=_("E-mail me"))


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


class ChatTargetForm(forms.Form):
    """A Slack or Teams channel's webhook address (the service checks where it leads)."""

    kind = forms.ChoiceField(choices=ChatKind.choices, label=_("Where"))
    url = forms.URLField(
        max_length=500,
        label=_("Webhook URL"),
        assume_scheme="https",
        help_text=_(
            "Slack: the channel's incoming webhook (https://hooks.slack.com/services/…). Teams: the URL of "
            "the workflow “Post to a channel when a webhook request is received”."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
