from django.apps import AppConfig


class SocialgovConfig(AppConfig):
    name = "socialgov"
    verbose_name = "socialgov"

    def ready(self):
        from socialgov import middleware  # noqa: F401  (connects the sign-in receiver)
