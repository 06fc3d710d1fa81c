from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = _("Single sign-on")

    def ready(self):
        from allauth.account import signals

        from sso import receivers

        signals.user_logged_in.connect(receivers.signed_in, dispatch_uid="sso.signed_in")
