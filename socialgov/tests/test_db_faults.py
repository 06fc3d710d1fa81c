"""The database restarting under load: requests fail cleanly (503, no traceback) and the next ones
succeed, because CONN_HEALTH_CHECKS replaces a dead persistent connection. PostgreSQL only: the
test terminates its own backends with pg_terminate_backend."""

from __future__ import annotations

import contextlib
import threading
import time

import psycopg2
import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import RequestFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates PostgreSQL backends"),
]
HANDLER = WSGIHandler()


def _get(path: str, cookie: str) -> tuple[int, bytes, dict]:
    """One request through the real WSGI handler (which opens and health-checks connections)."""
    environ = RequestFactory().get(path, HTTP_COOKIE=cookie).environ
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(HANDLER(environ, start_response))
    return answer["status"], body, answer["headers"]


def _terminate(pids_sql: str, params=()) -> int:
    """Terminate backends from a connection of our own (the server side of a restart)."""
    admin = psycopg2.connect(**connection.get_connection_params())
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {pids_sql}", params)
            killed = cursor.fetchone()[0]
    finally:
        admin.close()
    time.sleep(0.2)  # the backends exit asynchronously
    return killed


@pytest.fixture(autouse=True)
def _reconnect_before_flush(transactional_db):
    yield
    connections.close_all()  # this thread's connection may have been terminated: flush on a new one


@pytest.fixture
def session_cookie(client, employee):
    client.force_login(employee)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.mark.parametrize(("path", "json"), [("/", False), ("/api/v1/posts/", True)])
def test_a_connection_dropped_mid_request_is_a_503_and_the_next_request_succeeds(session_cookie, path, json):
    # given a page that works, on a persistent connection
    assert _get(path, session_cookie)[0] == 200
    cache.clear()  # the bell and banner forgotten: the page reads the database again
    calls = {"n": 0}

    def drop_after_the_first_query(execute, sql, params, many, context):
        calls["n"] += 1
        if calls["n"] == 2:  # the session is loaded; the database goes away before the next query
            pid = context["connection"].connection.get_backend_pid()
            assert _terminate("pid = %s", [pid]) == 1
        return execute(sql, params, many, context)

    # when
    with connection.execute_wrapper(drop_after_the_first_query):
        status, body, headers = _get(path, session_cookie)

    # then: a clean 503 (JSON under /api/), never a traceback; the next request reconnects
    assert status == 503
    assert headers.get("Retry-After") == "5"
    assert b"Traceback" not in body
    if json:
        assert b'"code": "unavailable"' in body
    else:
        assert b"back in a moment" in body
    assert _get(path, session_cookie)[0] == 200


def test_requests_during_a_database_restart_fail_cleanly_and_recover(session_cookie):
    # given four clients reading pages on persistent connections
    statuses: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def browse():
        try:
            while not stop.is_set():
                status = _get("/", session_cookie)[0]
                with lock:
                    statuses.append(status)
        except Exception as exc:  # noqa: BLE001 - recorded: the test fails on anything but 200/503
            with lock:
                statuses.append(repr(exc))
        finally:
            with contextlib.suppress(Exception):  # closing a terminated connection
                connections.close_all()

    threads = [threading.Thread(target=browse) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)

    # when every connection to the database is cut three times (what a restart does to them)
    killed = 0
    for _ in range(3):
        killed += _terminate(
            "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = %s", ["client backend"]
        )
        time.sleep(0.3)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()

    # then each request either worked or said 503, and the service is back
    assert killed >= 1
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    assert statuses.count(200) > 0
    connections.close_all()
    assert _get("/", session_cookie)[0] == 200
