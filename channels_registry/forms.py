from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Department, User
from channels_registry import feeds
from channels_registry.choices import CHECKLIST, AccessRequestKind, ActivityKind, ChannelRole
from channels_registry.services import MAX_PURPOSE, TRIAGE_OUTCOMES
from policies.models import Platform

# 5,000 in English, 5.000 in German, 5 000 in French: formatted when shown.
_grouped = lazy(lambda n: number_format(n, force_grouping=True), str)


class EmailListField(forms.CharField):
    """Comma- or line-separated e-mail addresses of active people."""

    def clean(self, value):
        value = super().clean(value)
        emails = [e.strip().lower() for e in (value or "").replace("\n", ",").split(",") if e.strip()]
        emails = list(dict.fromkeys(emails))
        found = {u.email: u for u in User.objects.filter(email__in=emails)}
        missing = [e for e in emails if e not in found]
        if missing:
            raise forms.ValidationError(_("No one signs in as %(emails)s.") % {"emails": ", ".join(missing)})
        return [found[e] for e in emails]


class PlatformSelect(forms.Select):
    """A platform select whose platforms IT blocked are offered disabled, saying who decided and why.

    ``blocked``: platform id -> the text shown after its name."""

    def __init__(self, attrs=None, choices=(), blocked=None):
        super().__init__(attrs, choices)
        self.blocked = blocked or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        why = self.blocked.get(getattr(value, "value", value))
        if why:
            option["attrs"]["disabled"] = True
            option["label"] = _("%(platform)s: %(why)s") % {"platform": label, "why": why}
        return option


class ChannelRegisterForm(forms.Form):
    """What registering asks; none of it is a secret (the credentials field is where they are kept, a vault
    reference, never the password), so a draft of it may be kept in the session."""

    platform = forms.ModelChoiceField(
        label=gettext_lazy("Platform"), queryset=Platform.objects.filter(is_active=True), widget=PlatformSelect
    )
    handle = forms.CharField(
        label=gettext_lazy("Handle"), max_length=300, help_text=gettext_lazy("As the platform shows it, e.g. @acme.")
    )
    url = forms.CharField(label=gettext_lazy("Address (URL)"), max_length=500)
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=200)
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.none(),
        help_text=gettext_lazy("Who owns the account."),
    )
    purpose = forms.CharField(
        label=gettext_lazy("Purpose"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=format_lazy(gettext_lazy("Up to {count} characters."), count=_grouped(MAX_PURPOSE)),
    )
    audience = forms.CharField(label=gettext_lazy("Audience"), max_length=300)
    custodians = EmailListField(
        label=gettext_lazy("Custodians"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "At least two people who hold the account, by e-mail, comma-separated. The first is its owner."
        ),
    )
    recovery_contact = forms.EmailField(
        label=gettext_lazy("Recovery contact"), help_text=gettext_lazy("A corporate address, e.g. a team mailbox.")
    )
    mfa_enabled = forms.BooleanField(label=gettext_lazy("Two-factor authentication is on"), required=False)
    credentials_location = forms.CharField(
        label=gettext_lazy("Where the credentials are kept"),
        max_length=300,
        help_text=gettext_lazy("A vault reference such as vault://marketing/x-account. Never the password."),
    )
    tools_connected = forms.CharField(
        label=gettext_lazy("Tools connected"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Schedulers, analytics, bots …"),
    )

    def __init__(self, *args, departments=None, blocked=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments if departments is not None else Department.objects.none()
        self.fields["platform"].widget.blocked = blocked or {}

    def draft(self) -> dict[str, str]:
        """What was typed, field by field, as it came (kept while the person fixes a blocker)."""
        return {name: self.data[name] for name in self.fields if name in self.data}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SecurityReviewForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item, label in CHECKLIST.items():
            self.fields[f"{item}_passed"] = forms.TypedChoiceField(
                label=gettext_lazy(label),
                choices=[
                    ("", "—"),
                    ("1", gettext_lazy("Passed")),
                    ("0", pgettext_lazy("a security review's outcome", "Failed")),
                ],
                coerce=lambda v: v == "1",
            )
            self.fields[f"{item}_note"] = forms.CharField(
                label=format_lazy(gettext_lazy("Note on “{item}”"), item=gettext_lazy(label)),
                required=False,
                max_length=1000,
            )

    def checklist(self):
        return {
            item: {"passed": self.cleaned_data[f"{item}_passed"], "note": self.cleaned_data[f"{item}_note"]}
            for item in CHECKLIST
        }


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActivityKind.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class FeedForm(forms.Form):
    url = forms.CharField(
        max_length=500,
        required=False,
        label=gettext_lazy("Feed address"),
        help_text=gettext_lazy("Empty: stop reading the feed."),
    )
    kind = forms.ChoiceField(choices=(), label=gettext_lazy("Kind"))
    requires_approval = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("Entries must match an approved post")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = feeds.choices()


class GrantForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Person (e-mail)"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ChannelRole.choices)
    holds_credentials = forms.BooleanField(label=gettext_lazy("Holds credentials"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class AccessRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AccessRequestKind.choices)
    channel = forms.IntegerField(
        label=gettext_lazy("Channel"),
        required=False,
        help_text=gettext_lazy("The channel's number, for a role on a channel."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=[("", "—"), *ChannelRole.choices], required=False)
    platform = forms.ModelChoiceField(label=gettext_lazy("Platform"), queryset=Platform.objects.all(), required=False)
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"), queryset=Department.objects.all(), required=False
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=[("grant", gettext_lazy("Grant")), ("refuse", gettext_lazy("Refuse"))]
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class RecertifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("confirm", gettext_lazy("Confirm")), ("revoke", gettext_lazy("Revoke"))],
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=5000)


class ReportAccountForm(forms.Form):
    platform = forms.ModelChoiceField(label=gettext_lazy("Platform"), queryset=Platform.objects.all())
    url = forms.CharField(label=gettext_lazy("Address (URL)"), max_length=500)
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class TriageForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=[(o.value, o.label) for o in TRIAGE_OUTCOMES])
    channel = forms.IntegerField(
        label=gettext_lazy("Channel"),
        required=False,
        help_text=gettext_lazy("For “claimed”: the channel it was registered as."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=5000)


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=5000)
