"""A gunicorn configuration for the crowd run (``bench.crowd``): each request's CPU and queries, measured in the worker.

    gunicorn socialgov.wsgi -c bench/gunicorn_probe.py     # BENCH_PROBE_DIR=/tmp/… names where the figures go

Only the benchmark loads it (``--config``): the app is the production app, untouched. A sync worker serves one
request at a time in one thread, so the worker's process CPU between ``pre_request`` and ``post_request`` is that
request's (parsing, the view, the templates, writing the response), and a wrapper on the worker's database
connection counts the queries in between. Each request appends ``path status cpu_ms queries`` to the worker's own
file; the harness reads them per target.
"""

from __future__ import annotations

import os
import time

_state = {"queries": 0, "cpu": 0.0, "out": None}

# A worker that starts on a busy machine imports every view on its first request; the harness, not a 30 s
# watchdog, judges how long requests take.
timeout = 120


def _count(execute, sql, params, many, context):
    _state["queries"] += 1
    return execute(sql, params, many, context)


def post_worker_init(worker):
    from django.db import connection
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - every view imported before the first request, not during it

    connection.execute_wrappers.append(_count)  # lives on the connection object: kept across reconnects
    path = os.path.join(os.environ["BENCH_PROBE_DIR"], f"{os.getpid()}.tsv")
    _state["out"] = open(path, "a", buffering=1)  # noqa: SIM115 - open for the worker's life


def pre_request(worker, req):
    _state["queries"] = 0
    _state["cpu"] = time.process_time()


def post_request(worker, req, environ, resp):
    cpu_ms = (time.process_time() - _state["cpu"]) * 1000
    _state["out"].write(f"{req.path}\t{resp.status_code}\t{cpu_ms:.3f}\t{_state['queries']}\n")
