import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import Department, Membership, User
from audit import services as audit
from audit.models import AuditEvent
from socialgov.testing.audit import assert_chain_intact

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


def test_readyz_checks_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_reports_a_broker_outage_as_503(client):
    from conftest import use_broker

    use_broker("redis://127.0.0.1:1/0")
    try:
        response = client.get("/readyz")
    finally:
        use_broker("memory://")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unavailable"}


def test_seed_demo_is_idempotent_and_verifies():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = (User.objects.count(), Department.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (
        User.objects.count(),
        Department.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )
    assert set(Department.objects.values_list("slug", flat=True)) == {"marketing", "it", "training", "product", "legal"}
    assert "employee@example.com" in out.getvalue() and "/accounts/login/" in out.getvalue()
    assert User.objects.get(email="itsec@example.com").groups.filter(name="it_security").exists()
    assert_chain_intact()


# --- API error format -----------------------------------------------------------------


def test_api_404_and_405_use_the_error_format(api_client, employee):
    api_client.force_authenticate(employee)
    assert api_client.get("/api/v1/notifications/999999/").json() == {"detail": "Not found.", "code": "not_found"}
    response = api_client.delete("/api/v1/me/")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_domain_errors_map_to_status_codes():
    from rest_framework.test import APIRequestFactory

    from core.api.errors import exception_handler
    from core.errors import Conflict, Forbidden, InvalidInput, NotFound

    request = APIRequestFactory().get("/")
    cases = [
        (
            InvalidInput("Bad.", fields={"name": ["Required."]}),
            400,
            {"detail": "Bad.", "code": "invalid", "fields": {"name": ["Required."]}},
        ),
        (Forbidden("No."), 403, {"detail": "No.", "code": "forbidden"}),
        (NotFound("Gone."), 404, {"detail": "Gone.", "code": "not_found"}),
        (Conflict("Already decided."), 409, {"detail": "Already decided.", "code": "conflict"}),
    ]
    for exc, status, body in cases:
        response = exception_handler(exc, {"request": request})
        assert (response.status_code, response.data) == (status, body)


def test_validation_errors_list_field_messages():
    from rest_framework import serializers
    from rest_framework.exceptions import ValidationError

    from core.api.errors import exception_handler

    class S(serializers.Serializer):
        name = serializers.CharField(max_length=3)
        tags = serializers.ListField(child=serializers.IntegerField())

    s = S(data={"name": "toolong", "tags": ["x"]})
    with pytest.raises(ValidationError) as err:
        s.is_valid(raise_exception=True)
    response = exception_handler(err.value, {})
    assert response.status_code == 400
    assert response.data["fields"]["name"] == ["Ensure this field has no more than 3 characters."]
    assert response.data["fields"]["tags"] == {"0": ["A valid integer is required."]} or response.data["fields"]["tags"]


# --- query counts ---------------------------------------------------------------------


def _events(actor, n):
    for i in range(n):
        audit.record(actor=actor, action="q.count", target=actor, data={"i": i})


@pytest.mark.parametrize("rows", [3, 30])
def test_audit_list_page_query_count(client, auditor, rows, django_assert_num_queries):
    _events(auditor, rows)
    client.force_login(auditor)
    # the user with their groups, the view permission (access), events, unread count, lockdowns in force (banner)
    with django_assert_num_queries(5):
        response = client.get("/audit/")
    assert len(response.context["events"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_audit_list_endpoint_query_count(api_client, auditor, rows, django_assert_num_queries):
    _events(auditor, rows)
    api_client.force_authenticate(auditor)
    # groups (MFA check), the view permission, events
    with django_assert_num_queries(3):
        response = api_client.get("/api/v1/audit-events/")
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("rows", [3, 30])
def test_dashboard_query_count(client, employee, rows, django_assert_num_queries):
    from notifications.models import Notification

    Notification.objects.bulk_create([Notification(recipient=employee, event="x", title=f"n{i}") for i in range(rows)])
    client.force_login(employee)
    # the user with their groups (the session from the cache), memberships (the card's, the permission checks'
    # and the policies card's: one read), recent unread, unread count, lockdowns in force (banner),
    # and the policies card: current policy versions not acknowledged, required courses with completions;
    # and the reports cards (reports/dashboard.py): my posts, the review queue (delegations, stages), my channels
    with django_assert_num_queries(11):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200


def test_sqlite_runs_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_every_task_is_routed_to_a_queue_by_name():
    from core.queues import ROUTES, Queue
    from socialgov.celery import app

    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours, "no tasks were discovered"
    assert ours - set(ROUTES) == set(), "add these task names to core.queues.ROUTES"
    assert {r["queue"] for r in ROUTES.values()} <= set(Queue)
