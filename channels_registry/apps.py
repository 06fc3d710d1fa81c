from django.apps import AppConfig


class ChannelsRegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "channels_registry"
    verbose_name = "Channel registry"
