"""The reports app's rows of the permission table, and the objects their URLs point at."""

from __future__ import annotations

import pytest

from reports.services import calendar_feed_create
from socialgov.testing.permissions import Route, audit_readers, only, page

REPORT_READERS = {"manager", "communications", "it_security", "auditor", "superuser"}
DECISION_READERS = {"it_security", "auditor", "superuser"}


ROUTES: list[Route] = [
    Route("reports:index", "get", lambda o: "/reports/", page()),
    *[
        Route("reports:detail", "get", lambda o, s=slug: f"/reports/{s}/", only(REPORT_READERS))
        for slug in ["lead-time", "acknowledgements"]
    ],
    Route(
        "reports:detail",
        "get",
        lambda o: "/reports/posts/?start=2026-01-01&end=2026-12-31&department=marketing",
        only(REPORT_READERS),
    ),
    Route("reports:detail", "get", lambda o: "/reports/no-such-report/", only(REPORT_READERS, ok=404, denied=404)),
    Route("reports:detail", "get", lambda o: "/reports/separation-of-duties/", only(DECISION_READERS)),
    Route("reports:export", "get", lambda o: "/reports/separation-of-duties/export.csv", only(DECISION_READERS)),
    Route("reports:export", "get", lambda o: "/reports/sla-breaches/export.csv", only(REPORT_READERS)),
    Route(
        "reports:export",
        "get",
        lambda o: "/reports/acknowledgements/export.csv?start=2026-01-01&end=2026-03-31&department=marketing",
        only(REPORT_READERS),
    ),
    Route("reports:calendar", "get", lambda o: "/reports/calendar/", page()),
    Route("reports:calendar", "get", lambda o: "/reports/calendar/?week=2026-03-02&department=marketing", page()),
    Route("reports:calendar_feed_create", "post", lambda o: "/reports/calendar/feed/", page()),
    Route("reports:calendar_feed_revoke", "post", lambda o: "/reports/calendar/feed/revoke/", page(ok=302)),
    # the token in the address is the credential: the same answer with or without a session
    Route("reports:calendar_ics", "get", lambda o: f"/reports/calendar/feed/{o['feed_token']}.ics", page(anon=200)),
    Route("reports:calendar_ics", "get", lambda o: "/reports/calendar/feed/not-a-token.ics", page(ok=404, anon=404)),
    Route("reports:exports", "get", lambda o: "/reports/exports/", page()),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/channels.csv", page()),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/posts.jsonl", page()),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/decisions.csv", only(DECISION_READERS)),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/decisions.json", only(DECISION_READERS)),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/review-decisions.csv", page()),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/review-decisions.json", page()),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/audit.jsonl", audit_readers()),
    Route("reports:export_dataset", "get", lambda o: "/reports/exports/audit.xml", page(ok=404)),
]


@pytest.fixture
def objects(employee):
    _, token = calendar_feed_create(actor=employee)
    return {"feed_token": token}
