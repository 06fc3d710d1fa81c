from django.apps import AppConfig


class SocialgovConfig(AppConfig):
    name = "socialgov"
    verbose_name = "socialgov"

    def ready(self):
        from socialgov import (  # noqa: F401
            context_processors,  # has the layout's cache keys read along with a page's kept values
            middleware,  # connects the sign-in receiver
            pickers,
        )

        pickers.register_kinds()  # the kinds people pick by name (filters' pickers, /search/<kind>/)
