"""Every single sign-on route, for every role (the table is in permissions.py)."""

from socialgov.testing.permissions import table_tests
from sso.tests.permissions import ROUTES

globals().update(table_tests(ROUTES))
