"""The mixed run, in process: many signed-in people asking for the pages they use while a writer makes audited writes.

    DATABASE_URL=postgres://… python -m bench.mixed [--people 300] [--requests 600] [--writes-per-second 5]

Load-independent figures first: for each page, the queries and the CPU of the request's own thread
(``time.thread_time``: the writer's thread and other processes on the machine do not count) per request, each
request by another of ``--people`` people (employees, reviewers and managers of the seeded company), with a writer
thread commenting on posts (``comment_add``, audited) at ``--writes-per-second`` the whole time. The object cache
(``OBJECT_CACHE_URL``) is a Redis of the run's own, started with ``maxmemory`` and ``allkeys-lru``; ``--no-objects``
runs the same with nothing kept (``dummycache://``), for the gain the cache brings. Seed first with
``python -m bench.seed``. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(maxmemory: str) -> tuple[subprocess.Popen, str, str]:
    """A Redis of the run's own for the object cache, bounded with an LRU policy (as README asks of production)."""
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="bench-objects-")
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory",
            maxmemory,
            "--maxmemory-policy",
            "allkeys-lru",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"redis://127.0.0.1:{port}/0", workdir


def people(n: int):
    from accounts.models import User

    with_roles = User.objects.filter(is_active=True, memberships__isnull=False).distinct().order_by("id")
    return list(with_roles[:n])


def writer(stop: threading.Event, rate: float, counts: dict) -> None:
    """Audited writes at ``rate`` a second: each author comments on one of their posts."""
    from django.db import connection

    from approvals import services
    from approvals.models import Post

    posts = list(Post.objects.filter(state="in_review").select_related("author", "channel").order_by("-id")[:500])
    rng = random.Random(7)
    interval = 1.0 / rate
    try:
        while not stop.is_set() and posts:
            started = time.monotonic()
            post = rng.choice(posts)
            try:
                services.comment_add(actor=post.author, post=post, body="A note from the bench writer.")
                counts["writes"] += 1
            except Exception:  # noqa: BLE001 - a refused write is counted, not fatal
                counts["refused"] += 1
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        connection.close()


def measure(client_for, urls: dict[str, list[str]], crowd, requests: int) -> dict[str, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(11)
    results = {}
    for name, choices in urls.items():
        cpu, queries, errors = [], [], 0
        for i in range(requests):
            person = crowd[i % len(crowd)]
            client = client_for(person)
            url = rng.choice(choices)
            measure_queries = i % 10 == 0  # a tenth of the requests counted (counting costs CPU of its own)
            started = time.thread_time()
            if measure_queries:
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                queries.append(len(captured.captured_queries))
            else:
                response = client.get(url)
                cpu.append((time.thread_time() - started) * 1000)
            if response.status_code >= 500:
                errors += 1
        results[name] = {
            "cpu_p50": statistics.median(cpu),
            "cpu_mean": statistics.fmean(cpu),
            "queries": statistics.median(queries),
            "queries_max": max(queries),
            "errors": errors,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--requests", type=int, default=600, help="requests per page")
    parser.add_argument("--writes-per-second", type=float, default=5.0)
    parser.add_argument("--maxmemory", default="64mb")
    parser.add_argument("--no-objects", action="store_true", help="keep nothing in the object cache")
    args = parser.parse_args(argv)

    redis = None
    if args.no_objects:
        os.environ["OBJECT_CACHE_URL"] = "dummycache://"
    elif shutil.which("redis-server"):
        redis, url, workdir = start_redis(args.maxmemory)
        os.environ["OBJECT_CACHE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    try:
        import django

        django.setup()
        from django.test import Client
        from django.urls import reverse

        from approvals.models import Post

        crowd = people(args.people)
        clients = {}

        def client_for(person):
            if person.pk not in clients:
                client = Client()
                client.force_login(person)
                clients[person.pk] = client
            return clients[person.pk]

        recent = list(Post.objects.order_by("-id").values_list("pk", flat=True)[:300])
        urls = {
            "dashboard": [reverse("dashboard")],
            "review queue": [reverse("approvals:queue")],
            "registry": [reverse("channels_registry:channel_list")],
            "post page": [reverse("approvals:post_detail", args=[pk]) for pk in recent],
        }
        for person in crowd:  # signed in and seen once: sessions, bells and banners as people have them
            client_for(person).get(urls["dashboard"][0])

        stop, counts = threading.Event(), {"writes": 0, "refused": 0}
        thread = threading.Thread(target=writer, args=(stop, args.writes_per_second, counts), daemon=True)
        started = time.monotonic()
        thread.start()
        try:
            results = measure(client_for, urls, crowd, args.requests)
        finally:
            stop.set()
            thread.join()
        elapsed = time.monotonic() - started
        rate = counts["writes"] / elapsed if elapsed else 0
        cache = "dummycache:// (nothing kept)" if args.no_objects else f"Redis, maxmemory {args.maxmemory}, allkeys-lru"
        print(
            f"{len(crowd)} people, {args.requests} requests a page, {counts['writes']} audited writes "
            f"({rate:.1f}/s, {counts['refused']} refused) over {elapsed:.0f} s; object cache: {cache}\n"
        )
        print("| page | CPU ms p50 | CPU ms mean | queries (median / max) | errors |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, r in results.items():
            print(
                f"| {name} | {r['cpu_p50']:.2f} | {r['cpu_mean']:.2f} | "
                f"{r['queries']:.0f} / {r['queries_max']} | {r['errors']} |"
            )
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait()
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
