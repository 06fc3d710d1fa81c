from django.apps import AppConfig


class SocialgovConfig(AppConfig):
    name = "socialgov"
    verbose_name = "socialgov"
