"""The records app's rows of the permission table, and the objects their URLs point at.

Compliance officers (the ``compliance`` group) are not one of the table's nine roles; they are tested beside it
(records/tests/test_pages.py)."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from approvals.tests.factories import channel_for
from channels_registry.services import user_offboard
from records import services
from records.subjects import subject_access_export
from socialgov.testing.permissions import Route, only

READERS = {"it_security", "auditor", "superuser"}
KEEPERS = {"it_security", "superuser"}
TODAY = "2026-12-02"

ROUTES: list[Route] = [
    Route("records:index", "get", lambda o: "/records/", only(READERS)),
    Route(
        "records:retention_set",
        "post",
        lambda o: "/records/retention/",
        only(KEEPERS, ok=302),
        data={"record_type": "notification", "keep_days": 400},
    ),
    Route("records:retention_run", "post", lambda o: "/records/retention/run/", only(KEEPERS, ok=302)),
    Route("records:holds", "get", lambda o: "/records/holds/", only(READERS)),
    Route("records:holds", "get", lambda o: "/records/holds/?active=true&department=marketing", only(READERS)),
    Route(
        "records:holds",
        "post",
        lambda o: "/records/holds/",
        only(KEEPERS, ok=302),
        data=lambda o: {"channel": o["channel"].pk, "reason": "Case 2026-17"},
    ),
    Route("records:hold_detail", "get", lambda o: f"/records/holds/{o['hold'].pk}/", only(READERS)),
    Route("records:hold_detail", "get", lambda o: "/records/holds/999999/", only(READERS, ok=404)),
    Route(
        "records:hold_release",
        "post",
        lambda o: f"/records/holds/{o['hold'].pk}/release/",
        only(KEEPERS, ok=302),
        data={"release_reason": "Case closed"},
    ),
    Route("records:archive", "get", lambda o: "/records/archive/", only(READERS)),
    Route(
        "records:archive",
        "get",
        lambda o: f"/records/archive/?channel={o['channel'].pk}&date_from=2026-01-01&date_to={TODAY}",
        only(READERS),
    ),
    Route("records:requests", "get", lambda o: "/records/requests/", only(READERS)),
    Route(
        "records:request_export",
        "post",
        lambda o: "/records/requests/export/",
        only(KEEPERS),
        data=lambda o: {"export-person": o["subject"].email, "export-reference": "DSR-1"},
    ),
    Route(
        "records:request_erase",
        "post",
        lambda o: "/records/requests/erase/",
        only(KEEPERS, ok=302),
        data=lambda o: {"erase-person": o["subject"].pk, "erase-reference": "DSR-2"},
    ),
    # API
    Route("legalhold-list", "get", lambda o: "/api/v1/legal-holds/", only(READERS, anon=401), api=True),
    Route(
        "legalhold-list",
        "post",
        lambda o: "/api/v1/legal-holds/",
        only(KEEPERS, ok=201, anon=401),
        data=lambda o: {"channel": o["channel"].pk, "reason": "Case 2026-18"},
        api=True,
    ),
    Route(
        "legalhold-detail", "get", lambda o: f"/api/v1/legal-holds/{o['hold'].pk}/", only(READERS, anon=401), api=True
    ),
    Route(
        "legalhold-release",
        "post",
        lambda o: f"/api/v1/legal-holds/{o['hold'].pk}/release/",
        only(KEEPERS, anon=401),
        data={"reason": "Case closed"},
        api=True,
    ),
    Route("subjectrequest-list", "get", lambda o: "/api/v1/subject-requests/", only(READERS, anon=401), api=True),
    Route(
        "subjectrequest-detail",
        "get",
        lambda o: f"/api/v1/subject-requests/{o['request'].pk}/",
        only(READERS, anon=401),
        api=True,
    ),
]


@pytest.fixture
def objects(it_security, employee, department):
    channel = channel_for(employee, department=department)
    subject = UserFactory(email="leaver@example.com", full_name="Lee Vaughan")
    user_offboard(actor=it_security, user=subject, reason="Left")
    request, _ = subject_access_export(actor=it_security, person=subject, reference="DSR-0")
    return {
        "channel": channel,
        "subject": subject,
        "hold": services.hold_set(actor=it_security, channel=channel, reason="Case 2026-16"),
        "request": request,
    }
