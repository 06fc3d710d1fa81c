"""socialgov benchmark harness.

Starts the app as in production (gunicorn, DEBUG off, PostgreSQL, Redis), drives
each target with wrk from a second process, measures queries per request
in-process, times the background jobs, and writes BENCHMARKS.md.

    python -m bench.run --small          # a few thousand rows, a few seconds a target (CI)
    python -m bench.run --full           # the large data set, by hand

Needs DATABASE_URL (PostgreSQL) and REDIS_URL, and wrk (apt-get install -y wrk).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")
# DEBUG off needs a secret key; the harness makes one for its run (the gunicorn it starts inherits it)
os.environ.setdefault("SECRET_KEY", "bench-run-" + secrets.token_urlsafe(40))

REPORT_LUA = (Path(__file__).parent / "report.lua").read_text()


@dataclass
class Target:
    name: str
    path: Callable[[dict[str, Any]], str]
    auth: str = "session"  # session | token | none
    method: str = "GET"
    body: Callable[[dict[str, Any]], dict] | None = None
    min_ratio: float | None = None  # of /healthz's requests per second
    max_p95_ms: float | None = None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scale:
    name: str
    users: int
    channels: int
    posts: int
    notifications_per_user: int
    audit_events: int
    fanout: int
    seconds: int
    decisions: int  # fresh open reviews made for the decision POST (each request decides a different one)
    warmup: int = 2  # seconds of uncounted load on each target before it is timed


SCALES = {
    "small": Scale(
        "small",
        users=200,
        channels=1_000,
        posts=5_000,
        notifications_per_user=10,
        audit_events=5_000,
        fanout=500,
        seconds=3,
        decisions=600,
        warmup=1,
    ),
    "full": Scale(
        "full",
        users=5_000,
        channels=100_000,
        posts=1_000_000,
        notifications_per_user=20,
        audit_events=5_000_000,
        fanout=10_000,
        seconds=20,
        decisions=6_000,
    ),
}


def cursor(position: int) -> str:
    """A DRF cursor pointing at ``position`` (what a client holds deep into a list)."""
    return base64.b64encode(urlencode({"p": str(position)}).encode()).decode()


def targets() -> list[Target]:
    """Every key page and endpoint. Later capabilities add theirs here."""
    return [
        Target("/healthz (baseline)", lambda c: "/healthz", auth="none"),
        Target("dashboard", lambda c: "/", min_ratio=0.20, max_p95_ms=50),
        Target("approval queue page", lambda c: "/posts/queue/", auth="reviewer", min_ratio=0.20, max_p95_ms=50),
        Target("registry list", lambda c: "/registry/", min_ratio=0.20, max_p95_ms=50),
        Target("post page", lambda c: f"/posts/{c['post_id']}/", auth="reviewer", max_p95_ms=50),
        Target("API posts (first page)", lambda c: "/api/v1/posts/", auth="token", min_ratio=0.30, max_p95_ms=50),
        Target(
            "API posts (deep cursor)",
            lambda c: f"/api/v1/posts/?cursor={c['posts_deep_cursor']}",
            auth="token",
            min_ratio=0.30,
            max_p95_ms=50,
        ),
        Target(
            "decision (POST, a different post each request)",
            lambda c: f"/api/v1/posts/{c['decide_probe']}/decide/",
            auth="reviewer_token",
            method="POST",
            body=lambda c: {"outcome": "approve", "comment": "Fine."},
            max_p95_ms=None,
        ),
        Target(
            "content check (POST)",
            lambda c: "/api/v1/content-check/",
            auth="token",
            method="POST",
            body=lambda c: {"text": "Our new product is out today: read more at https://example.com/news #launch"},
            max_p95_ms=50,
        ),
        Target("notifications page", lambda c: "/notifications/", min_ratio=0.20, max_p95_ms=50),
        Target("audit trail page", lambda c: "/audit/", min_ratio=0.20, max_p95_ms=50),
        Target("API me", lambda c: "/api/v1/me/", auth="token", min_ratio=0.30, max_p95_ms=50),
        Target(
            "API notifications (first page)",
            lambda c: "/api/v1/notifications/",
            auth="token",
            min_ratio=0.30,
            max_p95_ms=50,
        ),
        Target(
            "API notifications (deep cursor)",
            lambda c: f"/api/v1/notifications/?cursor={c['deep_cursor']}",
            auth="token",
            min_ratio=0.30,
            max_p95_ms=50,
        ),
        Target(
            "API audit events (first page)",
            lambda c: "/api/v1/audit-events/",
            auth="token",
            min_ratio=0.30,
            max_p95_ms=50,
        ),
    ]


def selected(all_targets: list[Target], only: list[str]) -> list[Target]:
    """The baseline and the targets whose name contains one of ``only`` (all of them when empty)."""
    if not only:
        return all_targets
    return [t for t in all_targets if t.auth == "none" or any(o.lower() in t.name.lower() for o in only)]


# --- set-up ------------------------------------------------------------------------------


def django_setup() -> None:
    import django

    django.setup()


def seed(scale: Scale, log) -> dict[str, Any]:
    """Bulk-insert the data set (idempotent: tops up to the scale's counts)."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from approvals.models import Post
    from audit.models import AuditEvent
    from bench.seed_scale import Command as SeedScale
    from notifications.models import Notification

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    t0 = time.monotonic()
    call_command(
        SeedScale(),
        users=scale.users,
        channels=scale.channels,
        posts=scale.posts,
        audit_events=scale.audit_events,
        no_progress=True,
        stdout=sys.stdout,
    )
    existing = User.objects.filter(email__startswith="bench").count()
    if existing < scale.users:
        User.objects.bulk_create(
            [User(email=f"bench{i}@example.com", full_name=f"Bench {i}") for i in range(existing, scale.users)],
            batch_size=5000,
        )
    bench_user = User.objects.get(email="auditor@example.com")
    bench_user.groups.add(Group.objects.get(name="auditor"))
    have = Notification.objects.filter(recipient=bench_user).count()
    want = scale.users * scale.notifications_per_user
    if have < want:
        batch = []
        for i in range(have, want):
            batch.append(
                Notification(
                    recipient=bench_user, event="bench.event", title=f"Bench notification {i}", email_state="skipped"
                )
            )
            if len(batch) == 10_000:
                Notification.objects.bulk_create(batch)
                batch = []
        Notification.objects.bulk_create(batch)
    reviewer = bench_reviewer()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    ids = list(Notification.objects.filter(recipient=bench_user).order_by("-id").values_list("id", flat=True))
    depth = min(len(ids) - 1, 10_000 * 50)
    post_ids = Post.objects.order_by("-id").values_list("id", flat=True)
    post_depth = min(Post.objects.count() - 1, 10_000 * 50)
    post_id = Post.objects.filter(state="published").order_by("-id").values_list("id", flat=True).first()
    log(f"seeded in {time.monotonic() - t0:.1f}s: {len(ids)} notifications, {AuditEvent.objects.count()} events")
    from channels_registry.models import Channel

    counts = (
        f"{User.objects.count():,} users, {Channel.objects.count():,} channels, {Post.objects.count():,} posts, "
        f"{AuditEvent.objects.count():,} audit events"
    )
    return {
        "counts": counts,
        "user": bench_user,
        "reviewer": reviewer,
        "deep_cursor": cursor(ids[depth]),
        "deep_pages": depth // 50,
        "posts_deep_cursor": cursor(post_ids[post_depth]),
        "posts_deep_pages": post_depth // 50,
        "post_id": post_id,
    }


def bench_reviewer():
    """A reviewer in every department: every open stage review is theirs to decide."""
    from accounts.choices import Role
    from accounts.models import Department, Membership, User

    reviewer, _ = User.objects.get_or_create(email="bench-reviewer@example.com", defaults={"full_name": "Bench Rev"})
    for dept in Department.objects.all():
        Membership.objects.update_or_create(user=reviewer, department=dept, defaults={"role": Role.REVIEWER})
    from accounts.management.commands.seed_demo import enrol_demo_totp

    enrol_demo_totp(reviewer)  # a reviewer decides: their session is one that passed the second factor
    return reviewer


def open_reviews(n: int) -> list[int]:
    """``n`` fresh posts in review (one open stage each), for the decision POST to decide one by one."""
    from django.db import transaction

    from bench.seed_scale import Command as SeedScale

    seeder = SeedScale()
    seeder.progress = False
    with transaction.atomic():
        return seeder.seed_open_reviews(n)


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    # and the CSRF cookie a browser holds after its first page (without it, every page would make a new secret
    # and send it back in a Set-Cookie, which no browser asks of it twice)
    secret = get_random_string(32, string.ascii_letters + string.digits)
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}; {settings.CSRF_COOKIE_NAME}={secret}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict[str, str], extra: list[str] = ()) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "socialgov.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        *extra,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 120  # a busy machine boots workers slowly
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def run_wrk(
    url: str,
    headers: dict[str, str],
    seconds: int,
    connections: int,
    method: str = "GET",
    body: dict | None = None,
    cycle: list[str] | None = None,
    cookies: list[str] | None = None,
    header: str = "Cookie",
) -> dict[str, Any]:
    script = REPORT_LUA
    if method != "GET":
        script = (
            f'wrk.method = "{method}"\nwrk.body = {json.dumps(json.dumps(body or {}))}\n'
            'wrk.headers["Content-Type"] = "application/json"\n' + script
        )
    if cycle or cookies:
        # Each request goes to the next path of the list (e.g. a different post to decide), round and round, and
        # with ``cookies`` (or another ``header``'s values) as the next person (the n-th path with the n-th person's
        # cookie: pairs that belong together).
        paths = ", ".join(json.dumps(p) for p in cycle or [urlsplit(url)._replace(scheme="", netloc="").geturl()])
        people = ", ".join(json.dumps(c) for c in cookies or [])
        script += (
            f"\nlocal paths = {{{paths}}}\nlocal cookies = {{{people}}}\nlocal n = 0\n"
            "request = function()\n  n = n + 1\n"
            "  local headers = nil\n"
            f'  if #cookies > 0 then headers = {{["{header}"] = cookies[(n - 1) % #cookies + 1]}} end\n'
            "  return wrk.format(nil, paths[(n - 1) % #paths + 1], headers)\nend\n"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s", "-s", f.name]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: S603
    os.unlink(f.name)
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk gave no report:\n{out}")
    return json.loads(match.group(1))


def drain(port: int, limit: float = 120.0) -> None:
    """Wait until the server has worked off what wrk left queued (slow targets' backlog would else be
    charged to the next target): /healthz answers quickly three times in a row."""
    deadline = time.monotonic() + limit
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=limit)  # noqa: S310
        except OSError:
            time.sleep(0.5)
            continue
        quick = quick + 1 if time.monotonic() - t0 < 0.1 else 0


def queries_per_request(target: Target, ctx: dict[str, Any], headers: dict[str, str]) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers = dict(headers)
    if "Cookie" in headers:
        client.cookies.load(headers.pop("Cookie"))
    kwargs = {"headers": headers}
    if target.method != "GET":
        kwargs |= {"data": json.dumps(target.body(ctx) if target.body else {}), "content_type": "application/json"}
    getattr(client, target.method.lower())(target.path(ctx), **kwargs)  # warm
    if "decide_probe2" in ctx and "decide" in target.path(ctx):
        ctx = {**ctx, "decide_probe": ctx["decide_probe2"]}  # a decision is made once: measure a second post
    with CaptureQueriesContext(connection) as q:
        response = getattr(client, target.method.lower())(target.path(ctx), **kwargs)
    if response.status_code >= 400:
        raise SystemExit(f"{target.name}: {response.status_code} {response.content[:300]!r}")
    return len(q)


# --- background work ------------------------------------------------------------------------


def time_verify_audit() -> dict[str, Any]:
    from audit.services import verify_chain

    workers = os.cpu_count() or 1  # as `manage.py verify_audit` runs by default
    t0 = time.monotonic()
    result = verify_chain(workers=workers)
    seconds = round(time.monotonic() - t0, 2)
    return {"events": result.checked, "seconds": seconds, "intact": result.broken is None, "workers": workers}


def time_dormancy_audit() -> dict[str, Any]:
    """The dormancy audit over every channel, in a transaction rolled back after (the next run finds the same)."""
    from django.db import transaction

    from channels_registry.models import Channel
    from channels_registry.services import dormancy_audit

    channels = Channel.objects.count()
    with transaction.atomic():
        t0 = time.monotonic()
        result = dormancy_audit()
        seconds = time.monotonic() - t0
        transaction.set_rollback(True)
    return {"channels": channels, "seconds": round(seconds, 2), "result": result}


def time_reports() -> dict[str, Any]:
    """Each report of the catalogue (``bench.reports.hooks``), timed once warm."""
    from bench.reports import hooks

    out = {}
    for name, hook in hooks().items():
        hook()
        out[name] = round(hook(), 3)
    return out


def time_fanout(n: int, env: dict[str, str]) -> dict[str, Any]:
    """``n`` e-mail notifications through a real worker on Redis, from commit to all delivered (then deleted)."""
    import redis
    from django.db import transaction

    from accounts.models import User
    from notifications.models import Notification
    from notifications.services import notify
    from socialgov.celery import app

    broker = app.conf.broker_url

    redis.Redis.from_url(broker).flushdb()
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "socialgov",
            "worker",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "-Q",
            "notifications",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # let the worker connect before the clock starts
        people = list(User.objects.filter(email__startswith="bench").order_by("id")[:n])
        rounds = -(-n // len(people))  # fewer people than notifications: several rounds, ``n`` in all
        event = f"bench.fanout.{int(time.time())}"
        t0 = time.monotonic()
        with transaction.atomic():
            for i in range(rounds):
                notify(event=event, recipients=people[: n - i * len(people)], title=f"Fan-out {i}")
        written = time.monotonic() - t0  # the outbox rows committed and the batches enqueued
        total = n
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            left = Notification.objects.filter(event=event, delivered_at__isnull=True).count()
            if left == 0:
                break
            time.sleep(0.1)
        seconds = time.monotonic() - t0
        return {
            "notifications": total,
            "seconds": round(seconds, 2),
            "written_after": round(written, 2),
            "undelivered": left,
        }
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        # removed after, as the dormancy audit is rolled back: left behind, each run's 10,000 rows of other
        # people would sit on top of the reader's notifications in the next run's timings
        Notification.objects.filter(event__startswith="bench.fanout.").delete()


# --- report ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores ({cpu}){mem}, {system}, Python {platform.python_version()}"


def write_report(
    path: Path,
    scale: Scale,
    connections: int,
    workers: int,
    results: list[Target],
    jobs: dict[str, dict[str, Any]],
    ctx: dict[str, Any],
) -> list[str]:
    from django.db import connection

    baseline = results[0].result["rps"]
    misses = []
    lines = [
        "# socialgov benchmarks",
        "",
        f"Run: `python -m bench.run --{scale.name}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Machine: {machine()}. Database: {connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''}.",  # noqa: E501
        f"App: gunicorn, {workers} sync workers, DEBUG off; load: wrk, 1 thread, {connections} connections, "
        f"{scale.seconds} s a target after {scale.warmup} s of uncounted load (the decision POST: none), from a second "
        "process on the same machine.",
        f"Data: `python -m bench.seed --users {scale.users} --channels {scale.channels} --posts {scale.posts} "
        f"--audit-events {scale.audit_events}` ({ctx['counts']}); {scale.users * scale.notifications_per_user} "
        f"notifications for the reader; the notifications deep cursor is {ctx['deep_pages']} pages in, the posts "
        f"deep cursor {ctx['posts_deep_pages']} pages in. Users: the auditor (reads everything) for pages and API "
        "lists; a reviewer in every department for the queue, the post page and decisions.",
        "",
        "| target | req/s | ratio to /healthz | p50 ms | p95 ms | p99 ms | errors | queries/request | goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in results:
        r = t.result
        ratio = r["rps"] / baseline if baseline else 0
        goals = []
        ok = True
        if t.min_ratio is not None:
            goals.append(f"≥ {t.min_ratio:.0%}")
            ok &= ratio >= t.min_ratio
        if t.max_p95_ms is not None:
            goals.append(f"p95 < {t.max_p95_ms:.0f} ms")
            ok &= r["p95_ms"] < t.max_p95_ms
        ok &= r["errors"] == 0
        goal = (", ".join(goals) + (" ✅" if ok else " ❌")) if goals else ""
        if goals and not ok:
            misses.append(t.name)
        lines.append(
            f"| {t.name} | {r['rps']:.0f} | {ratio:.0%} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['errors']} | {r['queries']} | {goal} |"
        )
    lines.append("")
    for kind in ("notifications", "posts"):
        first = next((t for t in results if t.name == f"API {kind} (first page)"), None)
        deep = next((t for t in results if t.name == f"API {kind} (deep cursor)"), None)
        if first and deep:
            factor = deep.result["p95_ms"] / max(first.result["p95_ms"], 0.01)
            mark = "✅" if factor <= 1.5 else "❌"
            if factor > 1.5:
                misses.append(f"{kind} deep cursor")
            lines.append(f"- API {kind}: deep cursor p95 / first page p95 = {factor:.2f} (goal ≤ 1.5) {mark}")
    decide = next((t for t in results if "decide" in t.name or "decision" in t.name), None)
    if decide and "distinct_ids" in decide.result:
        lines.append(
            f"- The decision POST cycled through {decide.result['distinct_ids']} posts in review "
            f"({decide.result['requests']} requests: more requests than posts would decide one twice, a 409)."
        )
    lines += ["", "## Background work", "", "| job | figures | goal |", "| --- | --- | --- |"]
    da = jobs.get("dormancy_audit")
    if da:
        ok = "✅" if da["seconds"] < 5 else "❌"
        lines.append(
            f"| dormancy audit (rolled back after) | {da['channels']} channels in {da['seconds']} s: "
            f"{da['result']} | under 5 s {ok} |"
        )
    va = jobs.get("verify_audit")
    if va:
        met = va["events"] >= 5_000_000 and va["seconds"] < 60 and va["intact"]
        lines.append(
            f"| verify_audit | {va['events']} events in {va['seconds']} s, intact: {va['intact']} | "
            f"5,000,000 under 60 s {'✅' if met else '❌'} |"
        )
    for name, seconds in jobs.get("reports", {}).items():
        lines.append(f"| report: {name} | {seconds} s | under 1 s {'✅' if seconds < 1 else '❌'} |")
    if "reports" in jobs and not jobs["reports"]:
        lines.append("| reports over every post | not measured: no report in the catalogue | under 1 s |")
    fo = jobs.get("fanout")
    if fo:
        lines.append(
            f"| notification fan-out through a real worker on Redis (deleted after) | {fo['notifications']} e-mails in "
            f"{fo['seconds']} s ({fo['undelivered']} left) | 10,000 under 20 s "
            f"{'✅' if fo['notifications'] >= 10_000 and fo['seconds'] < 20 and not fo['undelivered'] else '❌'} |"
        )
    lines.append("")
    notes = Path(__file__).parent / "NOTES.md"
    if notes.exists():  # what was changed for the targets, with figures before and after
        lines += ["", notes.read_text()]
    path.write_text("\n".join(lines))
    return misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_const", dest="scale", const="small")
    size.add_argument("--full", action="store_const", dest="scale", const="full")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=None)
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        metavar="SECONDS",
        help="Seconds of uncounted load on each target before timing it (default 2, small 1; never the decision POST).",
    )
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--no-fanout", action="store_true")
    parser.add_argument("--no-dormancy", action="store_true", help="Skip the dormancy audit (slow at full scale).")
    parser.add_argument("--audit-events", type=int, default=None, help="Override the scale's audit event count.")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="Time only the targets whose name contains TEXT (repeatable; /healthz always runs), no background jobs.",
    )
    args = parser.parse_args(argv)
    scale = SCALES[args.scale or "small"]
    if args.seconds:
        scale.seconds = args.seconds
    if args.warmup is not None:
        scale.warmup = args.warmup
    if args.audit_events is not None:
        scale.audit_events = args.audit_events
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("bench needs DATABASE_URL=postgres://… and REDIS_URL=redis://…", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("bench needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2

    def log(msg: str) -> None:
        print(f"[bench] {msg}", flush=True)

    # The harness, gunicorn and the worker share one broker, apart from the app's default queues.
    os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
    # The in-process query count shares the throttle's cache with the load: lift the limits here too.
    os.environ["API_THROTTLE_USER"] = os.environ["API_THROTTLE_ANON"] = "1000000/min"
    os.environ["API_THROTTLE_CONTENT_CHECK"] = "1000000/min"
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    ctx = seed(scale, log)
    user = ctx["user"]
    cookie = session_cookie(user)
    from accounts.services import token_create

    _, token = token_create(actor=user, name="bench", scope="write", days=1)
    reviewer = ctx["reviewer"]
    reviewer_cookie = session_cookie(reviewer)
    _, reviewer_token = token_create(actor=reviewer, name="bench", scope="write", days=1)
    auth_headers = {
        "none": {},
        "session": {"Cookie": cookie},
        "token": {"Authorization": f"Bearer {token}"},
        "reviewer": {"Cookie": reviewer_cookie},
        "reviewer_token": {"Authorization": f"Bearer {reviewer_token}"},
    }
    env = {
        **os.environ,
        "DEBUG": "False",
        "API_THROTTLE_USER": "1000000/min",
        "API_THROTTLE_ANON": "1000000/min",
        "API_THROTTLE_CONTENT_CHECK": "1000000/min",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
    }
    port = free_port()
    server = start_gunicorn(port, args.workers, env)
    results = []
    try:
        for target in selected(targets(), args.only):
            headers = auth_headers[target.auth]
            cycle = None
            if "decide" in target.path({"decide_probe": 0, **ctx}):
                ids = open_reviews(scale.decisions + 2)
                ctx["decide_probe"], ctx["decide_probe2"] = ids[-2], ids[-1]
                cycle = [f"/api/v1/posts/{pk}/decide/" for pk in ids[:-2]]
            if cycle is None and scale.warmup:
                # not counted: each worker's first requests (its connections, compiled templates, the cache's
                # first fill) and what the previous target left behind
                run_wrk(
                    f"http://127.0.0.1:{port}{target.path(ctx)}",
                    headers,
                    scale.warmup,
                    args.connections,
                    target.method,
                    target.body(ctx) if target.body else None,
                )
            target.result = run_wrk(
                f"http://127.0.0.1:{port}{target.path(ctx)}",
                headers,
                scale.seconds,
                args.connections,
                target.method,
                target.body(ctx) if target.body else None,
                cycle=cycle,
            )
            if cycle is not None:
                target.result["distinct_ids"] = len(cycle)
            target.result["queries"] = queries_per_request(target, ctx, headers)
            log(f"{target.name}: {target.result}")
            drain(port)
            results.append(target)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    jobs: dict[str, Any] = {}
    if args.only:
        args.no_dormancy = args.no_fanout = True
    if not args.no_dormancy:
        jobs["dormancy_audit"] = time_dormancy_audit()
        log(f"dormancy audit: {jobs['dormancy_audit']}")
    if not args.only:
        jobs["reports"] = time_reports()
        log(f"reports: {jobs['reports'] or 'none registered'}")
        jobs["verify_audit"] = time_verify_audit()
        log(f"verify_audit: {jobs['verify_audit']}")
    if not args.no_fanout:
        jobs["fanout"] = time_fanout(scale.fanout, env)
        log(f"fan-out: {jobs['fanout']}")
    misses = write_report(Path(args.out), scale, args.connections, args.workers, results, jobs, ctx)
    log(f"wrote {args.out}; goals missed: {', '.join(misses) or 'none'}")
    errors = sum(t.result["errors"] for t in results)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
