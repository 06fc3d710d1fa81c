"""What a test of pages or messages in another language needs: import both fixtures into the test module
(``from socialgov.testing.languages import back_to_the_site_language, compiled_catalogues  # noqa: F401``)."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import translation


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """The .mo files as the .po files are now: `make test` has compiled them, a targeted run may not have. Django
    forgets the catalogues it has loaded when LOCALE_PATHS changes, so the fresh files are read."""
    call_command("compilemessages", verbosity=0)
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture(autouse=True)
def back_to_the_site_language():
    """A request leaves its language active in the thread (the next request's LocaleMiddleware sets its own): the
    tests after these, calling services directly, read English again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
