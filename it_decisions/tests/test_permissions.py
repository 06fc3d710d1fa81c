"""Every route of the IT decision register, for every role, with the status it must answer (the table is in
permissions.py)."""

from it_decisions.tests.permissions import ROUTES
from socialgov.testing.permissions import table_tests

globals().update(table_tests(ROUTES))
