from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and departments"

    def ready(self):
        from allauth.account.signals import email_changed

        email_changed.connect(_email_changed, dispatch_uid="accounts.email_changed")


def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    """allauth changed a person's primary address (their e-mail page): audited like every change to a person."""
    from accounts import services

    before = from_email_address.email if from_email_address is not None else None
    services.user_email_changed(user=user, before=before, after=to_email_address.email)
