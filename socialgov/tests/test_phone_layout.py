"""Every page row of every permission table at phone width (390×844) in Chromium: none scrolls sideways.

One test per table (``socialgov.testing.permissions.all_tables``), named by its app: ``-k approvals`` runs one.
"""

from __future__ import annotations

import pytest

from socialgov.testing.permissions import all_tables, table_fixtures
from socialgov.testing.phone import assert_pages_fit_a_phone
from socialgov.tests.test_browser import browser  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

globals().update(table_fixtures())  # each table's objects, as "<app>_objects"


@pytest.mark.parametrize("table", [pytest.param(table, id=table.app) for table in all_tables()])
def test_every_page_fits_a_phone(table, browser, live_server, request):  # noqa: F811
    assert_pages_fit_a_phone(table.routes, request.getfixturevalue(table.fixture), request=request)
