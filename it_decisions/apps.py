from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ItDecisionsConfig(AppConfig):
    name = "it_decisions"
    verbose_name = _("IT decisions")
