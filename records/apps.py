from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = _("Records: archive, retention, legal holds, data-subject requests")

    def ready(self):
        from core import notices
        from records.selectors import hold_notice

        notices.register(hold_notice)  # the legal-hold notice on a held post's or channel's page
