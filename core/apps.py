from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "core"

    def ready(self):
        from core import checks  # noqa: F401 - registers the deploy check of collected static files
