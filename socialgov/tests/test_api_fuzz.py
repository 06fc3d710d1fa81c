"""Fuzz every API operation with schemathesis, in process (WSGI), as a user with a write token.

No operation may answer 5xx, and every response must match the published OpenAPI schema
(status code documented, content type and body as described).
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks as oas_checks

# The default run stays short: the schema's examples and a few generated cases per operation
# (270 cases in all, about 40 s). FUZZ_EXAMPLES=50 searches deeper; FUZZ_COVERAGE=1 adds
# schemathesis' coverage phase (every boundary and type violation of every field: ~2,000 more
# cases, several minutes).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
COVERAGE = os.environ.get("FUZZ_COVERAGE", "") == "1"


def _schema() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


schema = schemathesis.openapi.from_dict(
    _schema(), config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
)
wsgi = get_wsgi_application()
CHECKS = [
    st_checks.not_a_server_error,
    oas_checks.status_code_conformance,
    oas_checks.content_type_conformance,
    oas_checks.response_schema_conformance,
]


@pytest.fixture
def keep_test_connection():
    """Stop the WSGI app from recycling the database connection around each request.

    A real WSGI server closes "old" connections when a request starts and when its response is
    closed (``close_old_connections`` on ``request_started``/``request_finished``). Inside a test
    that runs in one transaction that closes the test's own connection: on PostgreSQL every later
    query fails with "connection already closed" (answered 503 by the database-fault handler).
    Django's test client detaches the same receivers for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(keep_test_connection, db, superuser, department, employee, token_client):
    """A write token for an MFA-enrolled superuser, and a little data to find."""
    from accounts.services import token_create
    from approvals.tests.factories import channel_for, draft

    draft(employee, channel_for(employee, department=department))
    _, key = token_create(actor=superuser, name="fuzz", scope="write")
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation_survives_fuzzing(case, fuzz_headers):
    # Each case runs in a savepoint that is rolled back: the cases share the test's transaction,
    # and on PostgreSQL one that ends in a database error the API answers cleanly (a filter out of
    # range: 400) would otherwise leave that transaction aborted for every case after it. (Served
    # for real, each request is on its own autocommit connection.)
    sid = transaction.savepoint()
    try:
        response = case.call(app=wsgi, headers=fuzz_headers)
    finally:
        transaction.savepoint_rollback(sid)
    case.validate_response(response, checks=CHECKS)
