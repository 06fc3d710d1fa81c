"""The registry's pages at phone width (390×844) in Chromium: none scrolls sideways."""

from __future__ import annotations

import pytest

from channels_registry.tests.test_permission_table import ROUTES, world  # noqa: F401 - the table and its objects
from socialgov.testing.phone import assert_pages_fit_a_phone
from socialgov.tests.test_browser import browser  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_fits_a_phone(world, browser, live_server, request):  # noqa: F811
    assert_pages_fit_a_phone(ROUTES, world, request=request)
