from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role, TokenScope


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “publishing script”.")
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)
    days = forms.IntegerField(min_value=1, max_value=366, initial=90, label=_("Valid for (days)"))


class LanguageForm(forms.Form):
    """The language of the person's pages, e-mails and chat messages; empty: whatever their browser asks for."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("As my browser asks"))] + list(settings.LANGUAGES),
        required=False,
    )


def _roles_for(actor) -> list[tuple[str, str]]:
    """The roles ``actor`` may give (a manager: member and reviewer; IT security and administrators: all)."""
    from accounts.permissions import can_grant_role

    return [(value, label) for value, label in Role.choices if can_grant_role(actor, value)]


class MemberAddForm(forms.Form):
    email = forms.CharField(
        max_length=254,
        label=_("E-mail address"),
        help_text=_("The address the person signs in with."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _roles_for(actor)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _roles_for(actor)
