from django import forms

from accounts.choices import Role, TokenScope


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “publishing script”.")
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ)
    days = forms.IntegerField(min_value=1, max_value=366, initial=90, label="Valid for (days)")


def _roles_for(actor) -> list[tuple[str, str]]:
    """The roles ``actor`` may give (a manager: member and reviewer; IT security and administrators: all)."""
    from accounts.permissions import can_grant_role

    return [(value, label) for value, label in Role.choices if can_grant_role(actor, value)]


class MemberAddForm(forms.Form):
    email = forms.CharField(
        max_length=254,
        label="E-mail address",
        help_text="The address the person signs in with.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _roles_for(actor)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _roles_for(actor)
