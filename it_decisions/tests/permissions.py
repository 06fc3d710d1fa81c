"""The IT decision register's rows of the permission table: its page and its endpoint, for IT security and
auditors (and superusers) only."""

import pytest

from socialgov.testing.permissions import Route, only

DECISION_READERS = {"it_security", "auditor", "superuser"}

ROUTES: list[Route] = [
    Route("it_decisions", "get", lambda o: "/decisions/", only(DECISION_READERS, anon=302)),
    Route("it-decisions", "get", lambda o: "/api/v1/it-decisions/", only(DECISION_READERS, anon=401), api=True),
]


@pytest.fixture
def objects():
    return {}
