"""Every departments and memberships route, for every role (the table is in permissions.py)."""

from accounts.tests.permissions import ROUTES
from socialgov.testing.permissions import table_tests

globals().update(table_tests(ROUTES))
