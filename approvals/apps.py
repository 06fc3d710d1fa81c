from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApprovalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "approvals"
    verbose_name = gettext_lazy("Post approvals")
