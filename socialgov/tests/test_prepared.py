"""The lookups every request makes run as statements prepared once per PostgreSQL connection (socialgov.db)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from socialgov.db import fetch_prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT CAST(%s AS integer) + 1, CAST(%s AS text)"


def _prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_the_rows_are_those_of_the_statement_itself():
    with connection.cursor() as cursor:
        cursor.execute(SQL, [41, "x"])
        expected = cursor.fetchall()
    assert fetch_prepared("sg_test_sum", SQL, [41, "x"]) == expected == [(42, "x")]
    assert fetch_prepared("sg_test_sum", SQL, [1, "it's"]) == [(2, "it's")]  # quoted as any parameter is


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # closes its connection
def test_prepared_once_per_connection_across_a_rollback_and_again_after_a_reconnect():
    # given: a statement prepared inside a transaction that rolls back (PREPARE is not transactional)
    with transaction.atomic():
        assert fetch_prepared("sg_test_roll", SQL, [1, "a"]) == [(2, "a")]
        transaction.set_rollback(True)
    assert "sg_test_roll" in _prepared_names()

    # when: used again, only the EXECUTE is a query of the request's
    with CaptureQueriesContext(connection) as queries:
        assert fetch_prepared("sg_test_roll", SQL, [2, "b"]) == [(3, "b")]
    assert [q["sql"] for q in queries.captured_queries] == ["EXECUTE sg_test_roll (2, 'b')"]

    # then: a new connection prepares it again
    connection.close()
    assert fetch_prepared("sg_test_roll", SQL, [3, "c"]) == [(4, "c")]
    assert "sg_test_roll" in _prepared_names()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PREPARE is PostgreSQL's")
def test_behind_a_transaction_pooling_proxy_nothing_is_prepared(settings):
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        assert fetch_prepared("sg_test_pooled", SQL, [5, "d"]) == [(6, "d")]
    finally:
        connection.settings_dict.pop("DISABLE_SERVER_SIDE_CURSORS")
    assert "sg_test_pooled" not in _prepared_names()
