from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("People and departments")

    def ready(self):
        from allauth.account import signals as account
        from allauth.mfa import signals as mfa

        account.email_changed.connect(_email_changed, dispatch_uid="accounts.email_changed")
        # every other change a person makes to their own sign-in on allauth's pages is on the record too
        for signal, action in [
            (account.password_set, "user.password_set"),
            (account.password_changed, "user.password_changed"),
            (account.password_reset, "user.password_reset"),
            (account.email_added, "user.email_added"),
            (account.email_removed, "user.email_removed"),
            (account.email_confirmed, "user.email_confirmed"),
            (mfa.authenticator_added, "user.authenticator_added"),
            (mfa.authenticator_removed, "user.authenticator_removed"),
            (mfa.authenticator_reset, "user.recovery_codes_reset"),
        ]:
            signal.connect(_sign_in_changed(action), dispatch_uid=f"accounts.{action}", weak=False)


def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    """allauth changed a person's primary address (their e-mail page): audited like every change to a person."""
    from accounts import services

    before = from_email_address.email if from_email_address is not None else None
    services.user_email_changed(user=user, before=before, after=to_email_address.email)


def _sign_in_changed(action):
    def receiver(sender, request=None, user=None, **kwargs):
        from accounts import services

        address = kwargs.get("email_address")
        authenticator = kwargs.get("authenticator")
        user = user or getattr(address, "user", None)
        if user is None or getattr(user, "pk", None) is None:
            return
        data = {}
        if address is not None:
            data["email"] = address.email
        if authenticator is not None:
            data["type"] = authenticator.type
        services.user_sign_in_changed(user=user, action=action, data=data)

    return receiver
