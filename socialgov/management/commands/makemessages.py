"""Django's makemessages with the project's defaults: only the code people read pages from (not the virtualenv, the
test identity provider's node modules, tests, the bench or the load drills), each message's file named without
line numbers (a moved line does not touch the catalogues), obsolete messages dropped.

`make messages` runs it for every language in settings.LANGUAGES but English, whose text is the code's own."""

from django.core.management.commands import makemessages

IGNORED = [
    ".venv/*",
    "node_modules/*",
    "testidp/*",
    "bench/*",
    "loadtest/*",
    "var/*",
    "staticfiles/*",
    "static/*",
    "test-artifacts/*",
    "*/tests/*",
    "*/migrations/*",
    "conftest.py",
]


class Command(makemessages.Command):
    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        options["no_obsolete"] = True
        if options.get("add_location") is None:
            options["add_location"] = "file"
        return super().handle(*args, **options)
