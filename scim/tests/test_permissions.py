"""Every SCIM route and IT's provisioning pages, for every role (the table is in permissions.py)."""

from scim.tests.permissions import ROUTES
from socialgov.testing.permissions import table_tests

globals().update(table_tests(ROUTES))
