"""Every chat channels route, for every role (the table is in permissions.py)."""

from notifications.tests.permissions import ROUTES
from socialgov.testing.permissions import table_tests

globals().update(table_tests(ROUTES))
