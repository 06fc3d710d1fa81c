"""The policies, training and content rules pages at phone width (390×844) in Chromium: none scrolls sideways."""

from __future__ import annotations

import pytest

from policies.tests.routes import POLICY_ROUTES
from policies.tests.test_permissions import objects  # noqa: F401 - the table's objects
from socialgov.testing.phone import assert_pages_fit_a_phone
from socialgov.tests.test_browser import browser  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_page_fits_a_phone(objects, browser, live_server, request):  # noqa: F811
    assert_pages_fit_a_phone(POLICY_ROUTES, objects, request=request)
