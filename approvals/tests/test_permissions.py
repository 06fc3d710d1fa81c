"""Every approvals page and endpoint, for every role (the table is in permissions.py)."""

from approvals.tests.permissions import ROUTES
from socialgov.testing.permissions import table_tests

globals().update(table_tests(ROUTES))
