from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Group, Role
from accounts.models import Department, User
from approvals.choices import LockdownScope, Outcome, StageMode
from channels_registry.forms import EmailListField
from channels_registry.models import Channel


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class PostForm(forms.Form):
    channel = forms.ModelChoiceField(queryset=Channel.objects.none(), label=_("Channel"))
    body = forms.CharField(
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "data-char-count": "body-count",
                # the live content check (static/js/content-check.js) of the text, under the chosen channel
                "data-content-check": "#findings",
                "data-marked": "#findings-marked",
                "data-channel-field": "channel",
                "data-sponsored-field": "sponsored",
                "data-links-field": "links",
            }
        ),
        label=_("Text"),
        strip=False,
    )
    links = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label=_("Links"),
        help_text=_("One web address per line."),
    )
    tags = forms.CharField(required=False, label=_("Tags"), help_text=_("Comma-separated, e.g. launch, spring"))
    scheduled_at = forms.DateTimeField(
        required=False,
        label=_("Publish at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Optional; in the server's time zone. Leave empty to publish once approved."),
    )
    sponsored = forms.BooleanField(required=False, label=_("Sponsored or paid content"))
    attachments = MultipleFileField(
        required=False, label=_("Attachments"), help_text=_("Images, PDF or video; checked by their content.")
    )

    def __init__(self, *args, channels=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = channels if channels is not None else Channel.objects.none()
        if editing:
            self.fields["channel"].disabled = True
            self.fields["channel"].required = False

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "body": data["body"],
            "links": [line.strip() for line in data["links"].splitlines() if line.strip()],
            "tags": [t.strip() for t in data["tags"].split(",") if t.strip()],
            "scheduled_at": data["scheduled_at"],
            "sponsored": data["sponsored"],
            "attachments": data["attachments"],
        }


class DecideForm(forms.Form):
    """A stage's decision from its page or a queue row, as typed: the service refuses an outcome it does not know."""

    outcome = forms.CharField(required=False, strip=False, label=_("Outcome"))
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, strip=False, label=_("Comment"))


class IdListField(forms.Field):
    """The ids of the rows ticked on a list (checkboxes of the same name); the service checks each one."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return [int(v) for v in value or ()]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Tick posts of the queue."), code="invalid") from None


class BulkDecideForm(forms.Form):
    """The queue's bulk decision: the rows ticked, one outcome and one comment for all of them."""

    stages = IdListField(required=False)
    outcome = forms.ChoiceField(
        choices=[(Outcome.APPROVE, _("Approve")), (Outcome.REQUEST_CHANGES, _("Ask for changes"))],
        widget=forms.HiddenInput,  # the button pressed
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Required to ask for changes")}),
        required=False,
        label=_("Comment for every ticked post"),
    )


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"), help_text=_("@name notifies."))


class PublishedForm(forms.Form):
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Text as it went out"),
        help_text=_("Empty: as approved. It is compared with the approved text."),
    )
    url = forms.URLField(required=False, label=_("Address of the published post"), assume_scheme="https")
    published_at = forms.DateTimeField(
        required=False,
        label=_("Published at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: now."),
    )


class DelegationForm(forms.Form):
    delegate = forms.EmailField(label=_("Colleague's e-mail"))
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(required=False, max_length=300, label=_("Reason"))

    def clean_delegate(self):
        user = User.objects.filter(email=self.cleaned_data["delegate"].lower(), is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No one signs in with that address."))
        return user


class LockdownForm(forms.Form):
    scope = forms.ChoiceField(choices=LockdownScope.choices, label=_("Scope"))
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False, label=_("Department"))
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.filter(state="active"), required=False, label=_("Channel")
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"))
    ends_at = forms.DateTimeField(
        required=False,
        label=_("Ends automatically at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class RouteStageForm(forms.Form):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Department"))
    name = forms.CharField(max_length=100, label=_("Name"))
    role = forms.ChoiceField(choices=[("", "—"), *Role.choices], required=False, label=_("Department role"))
    group = forms.ChoiceField(choices=[("", "—")] + [(g, g) for g in Group.ALL], required=False, label=_("Group"))
    users = EmailListField(
        required=False,
        label=_("Named reviewers"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E-mail addresses, comma-separated (optional)."),
    )
    mode = forms.ChoiceField(choices=StageMode.choices, label=_("Mode"))
    required = forms.IntegerField(min_value=1, initial=1, label=_("N (for “N of them”)"))
    sla_hours = forms.IntegerField(min_value=1, initial=24, label=_("SLA (hours)"))
    escalate_to = forms.EmailField(
        required=False, label=_("Escalate to"), help_text=_("Empty: the department's managers.")
    )
    public_only = forms.BooleanField(required=False, label=_("Only for public channels"))

    def clean_escalate_to(self):
        email = (self.cleaned_data.get("escalate_to") or "").lower()
        if not email:
            return None
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No one signs in with that address."))
        return user

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments if departments is not None else Department.objects.none()


class ChannelStageForm(RouteStageForm):
    """A stage added to a channel's own route (the route is the page's: no department to choose)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["department"]


class RouteSettingsForm(forms.Form):
    distinct_reviewers = forms.BooleanField(
        required=False,
        label=_("Each stage needs a different person"),
        help_text=_("One person decides at most one stage of the same revision."),
    )
