"""The crowd run behind gunicorn: hundreds of signed-in people on the pages they use while audited writes go on.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python -m bench.crowd [--people 300] [--writes-per-second 5]
        [--seconds 20] [--connections 16] [--workers 3] [--modes read-only,mixed] [--out FILE]

Seed first (``python -m bench.seed``; ``--small`` for a quick run). The app runs as ``bench.run`` starts it
(gunicorn, 3 sync workers, DEBUG off) with ``bench/gunicorn_probe.py`` as its configuration, which measures each
request's CPU and queries inside the worker. wrk (16 connections, from a second process) sends each request of a
page as the next of ``--people`` distinct signed-in people (employees, reviewers and managers of the seeded
company; the review queue only its reviewers and managers; a post page a recent post of the person's own
department), the API list with each person's own token, and the Django admin's changelists of the same rows as a
superuser: the peers the HTML lists are measured against. In the ``mixed`` mode a writer in this process makes
``--writes-per-second`` audited writes through the services the whole time, in turn a decision, a comment, a
channel's activity and a policy acknowledgement (which changes that person's own facts); ``read-only`` runs the
same with no writer. Prints (or writes to ``--out``) a Markdown table per mode.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.run import ROOT, django_setup, drain, free_port, machine, run_wrk, session_cookie, start_gunicorn


@dataclass
class Target:
    name: str
    paths: list[str]
    auth: list[str] = field(default_factory=list)  # a Cookie (or Authorization) per request, in turn
    header: str = "Cookie"
    kind: str = "page"  # page | api | admin | baseline
    peer: str = ""  # the admin changelist of the same rows, for HTML lists
    cpu_goal: float | None = None  # first-view CPU ms, p50


def crowd(n: int) -> list[Any]:
    """``n`` people with a department role, in turn employees, reviewers and managers where the company has them."""
    from accounts.models import Membership

    by_role: dict[str, list[Any]] = {"member": [], "reviewer": [], "manager": []}
    seen: set[int] = set()
    for m in Membership.objects.select_related("user").filter(user__is_active=True).order_by("user_id")[: n * 20]:
        if m.user_id not in seen and m.role in by_role:
            seen.add(m.user_id)
            by_role[m.role].append(m.user)
    mixed = [p for trio in itertools.zip_longest(*by_role.values()) for p in trio if p is not None]
    return mixed[:n]


def prepare(people: list[Any], log) -> dict[str, Any]:
    """Sessions and tokens for the crowd, a superuser for the admin, and what each person may open."""
    from accounts.management.commands.seed_demo import enrol_demo_totp
    from accounts.models import User
    from accounts.permissions import requires_mfa
    from accounts.services import token_create
    from approvals.models import Post
    from approvals.selectors import posts_visible_to

    for person in people:
        if requires_mfa(person):
            enrol_demo_totp(person)  # deciders sign in with a second factor; the bench's sessions count as having
    cookies = [session_cookie(p) for p in people]
    tokens = [f"Bearer {token_create(actor=p, name='crowd', scope='read', days=1)[1]}" for p in people]
    deciders = [(p, c) for p, c in zip(people, cookies, strict=True) if p.memberships.exclude(role="member").exists()]
    posts, post_cookies = [], []
    for person, cookie in zip(people, cookies, strict=True):
        departments = person.memberships.values_list("department_id", flat=True)
        pk = (
            posts_visible_to(person, rows=Post.objects.filter(channel__department__in=departments))
            .order_by("-id")
            .values_list("pk", flat=True)
            .first()
        )
        if pk:
            posts.append(f"/posts/{pk}/")
            post_cookies.append(cookie)
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    enrol_demo_totp(admin)
    log(f"{len(people)} people ({len(deciders)} reviewers or managers), {len(posts)} post pages, admin {admin.email}")
    return {
        "cookies": cookies,
        "tokens": tokens,
        "decider_cookies": [c for _, c in deciders],
        "posts": posts,
        "post_cookies": post_cookies,
        "admin_cookie": session_cookie(admin),
    }


def targets(ctx: dict[str, Any]) -> list[Target]:
    c = ctx["cookies"]
    admin = [ctx["admin_cookie"]]
    return [
        Target("/healthz (baseline)", ["/healthz"], kind="baseline"),
        Target("dashboard", ["/"], c, cpu_goal=4.0),
        Target("review queue", ["/posts/queue/"], ctx["decider_cookies"], cpu_goal=3.0),
        Target("registry", ["/registry/"], c, peer="admin: channels", cpu_goal=3.0),
        Target("My posts", ["/posts/"], c, peer="admin: posts"),
        Target("post page", ctx["posts"], ctx["post_cookies"], cpu_goal=4.0),
        Target("API posts", ["/api/v1/posts/"], ctx["tokens"], header="Authorization", kind="api"),
        Target("admin: channels", ["/admin/channels_registry/channel/"], admin, kind="admin"),
        Target("admin: posts", ["/admin/approvals/post/"], admin, kind="admin"),
    ]


# --- the writer ------------------------------------------------------------------------------


def writer_pools(people: list[Any]) -> dict[str, Any]:
    """What the writer writes on, made before the clock starts: open stages to decide, posts in review to comment
    on, channels and their custodians, and the crowd's unacknowledged policies."""
    from accounts.models import User
    from approvals.models import Post, StageReview
    from bench.run import bench_reviewer, open_reviews
    from channels_registry.models import ChannelMembership
    from policies.models import PolicyVersion

    versions = list(PolicyVersion.objects.filter(state="published"))
    return {
        "reviewer": User.objects.get(pk=bench_reviewer().pk),
        "stages": iter(list(StageReview.objects.filter(post_id__in=open_reviews(600), state="open").order_by("id"))),
        "in_review": list(Post.objects.filter(state="in_review").select_related("author").order_by("-id")[:500]),
        "custodians": list(
            ChannelMembership.objects.filter(channel__state="active")
            .select_related("user", "channel")
            .order_by("-channel_id")[:500]
        ),
        "readers": iter([(p, v) for v in versions for p in people if not v.acknowledgements.filter(user=p).exists()]),
    }


def writer(stop: threading.Event, rate: float, pools: dict[str, Any], counts: Counter) -> None:
    """Audited writes through the services at ``rate`` a second, each kind in turn."""
    from django.db import connection

    from approvals import services as approvals
    from channels_registry.models import Channel
    from channels_registry.services import activity_record
    from policies.services import acknowledgement_record

    rng = random.Random(7)

    def decision():
        stage = next(pools["stages"])
        approvals.stage_decide(actor=pools["reviewer"], stage_review=stage, outcome="approve", comment="Fine.")

    def comment():
        post = rng.choice(pools["in_review"])
        approvals.comment_add(actor=post.author, post=post, body="A note from the bench writer.")

    def activity():
        m = rng.choice(pools["custodians"])
        activity_record(actor=m.user, channel=Channel.objects.get(pk=m.channel_id), note="Posted by hand.")

    def acknowledgement():
        person, version = next(pools["readers"])
        acknowledgement_record(actor=person, version=version)

    kinds = itertools.cycle([decision, comment, activity, acknowledgement])
    interval = 1.0 / rate
    try:
        while not stop.is_set():
            started = time.monotonic()
            write = next(kinds)
            try:
                write()
                counts[write.__name__] += 1
            except StopIteration:
                counts[f"{write.__name__} (pool empty)"] += 1
            except Exception as exc:  # noqa: BLE001 - a refused write is counted, not fatal
                counts[f"{write.__name__} refused: {type(exc).__name__}"] += 1
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        connection.close()


# --- the probe's figures -------------------------------------------------------------------------


class Probe:
    """Reads what ``bench/gunicorn_probe.py`` wrote since the last call."""

    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.offsets: dict[Path, int] = {}

    def since_last(self) -> list[tuple[str, int, float, int]]:
        rows = []
        for path in self.directory.glob("*.tsv"):
            with path.open() as f:
                f.seek(self.offsets.get(path, 0))
                text = f.read()
            complete = text[: text.rfind("\n") + 1]
            self.offsets[path] = self.offsets.get(path, 0) + len(complete.encode())
            for line in complete.splitlines():
                p, status, cpu, queries = line.split("\t")
                rows.append((p, int(status), float(cpu), int(queries)))
        return rows


def summarise(target: Target, rows) -> dict[str, Any]:
    wanted = {p.split("?")[0] for p in target.paths}
    mine = [r for r in rows if r[0] in wanted]
    if not mine:
        return {"statuses": {}, "cpu_p50": 0.0, "queries": 0, "queries_max": 0}
    return {
        "statuses": dict(Counter(r[1] for r in mine)),
        "cpu_p50": statistics.median(r[2] for r in mine),
        "cpu_p95": statistics.quantiles([r[2] for r in mine], n=20)[-1] if len(mine) > 1 else mine[0][2],
        "queries": statistics.median(r[3] for r in mine),
        "queries_max": max(r[3] for r in mine),
    }


def run_mode(mode: str, port: int, probe: Probe, ctx, people, args, log) -> tuple[list, Counter, float]:
    counts: Counter = Counter()
    stop = threading.Event()
    thread = None
    if mode == "mixed":
        pools = writer_pools(people)
        thread = threading.Thread(target=writer, args=(stop, args.writes_per_second, pools, counts), daemon=True)
        thread.start()
    started = time.monotonic()
    results = []
    try:
        for target in targets(ctx):
            url = f"http://127.0.0.1:{port}{target.paths[0]}"
            kwargs = {"cycle": target.paths, "cookies": target.auth or None, "header": target.header}
            if args.warmup:
                run_wrk(url, {}, args.warmup, args.connections, **kwargs)  # not counted: first requests, caches
            probe.since_last()
            result = run_wrk(url, {}, args.seconds, args.connections, **kwargs)
            result |= summarise(target, probe.since_last())
            log(f"{mode} {target.name}: {result}")
            results.append((target, result))
            drain(port)
    finally:
        stop.set()
        if thread is not None:
            thread.join()
    return results, counts, time.monotonic() - started


def table(mode: str, results, counts: Counter, elapsed: float, args) -> tuple[list[str], list[str]]:
    baseline = results[0][1]["rps"]
    by_name = {t.name: r for t, r in results}
    writes = sum(v for k, v in counts.items() if " " not in k)
    lines = [
        f"### {mode}: {len(args.people_list)} people"
        + (
            f", {writes} audited writes in {elapsed:.0f} s ({writes / elapsed:.1f}/s: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + ")"
            if mode == "mixed"
            else ", no writes"
        ),
        "",
        "| target | req/s | of /healthz | p50 ms | p95 ms | p99 ms | errors | statuses | queries (median / max) "
        "| CPU ms p50 / p95 | goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    misses = []
    for target, r in results:
        goals = []
        if target.kind in ("page", "api"):
            ok = r["rps"] >= 0.10 * baseline and r["p95_ms"] <= 60
            goals.append(f"≥ 10%, p95 ≤ 60 ms {'✅' if ok else '❌'}")
            misses += [] if ok else [f"{mode} {target.name}"]
        if target.kind == "admin":
            ok = r["p95_ms"] <= 250
            goals.append(f"p95 ≤ 250 ms {'✅' if ok else '❌'}")
            misses += [] if ok else [f"{mode} {target.name}"]
        if target.peer:
            ok = r["rps"] >= by_name[target.peer]["rps"]
            goals.append(f"≥ {target.peer} {'✅' if ok else '❌'}")
            misses += [] if ok else [f"{mode} {target.name} vs {target.peer}"]
        if target.cpu_goal:
            ok = r["cpu_p50"] <= target.cpu_goal
            goals.append(f"CPU ≤ {target.cpu_goal:g} ms {'✅' if ok else '❌'}")
            misses += [] if ok else [f"{mode} {target.name} CPU"]
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(r["statuses"].items()))
        lines.append(
            f"| {target.name} | {r['rps']:.0f} | {r['rps'] / baseline:.0%} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} | {statuses} | {r['queries']:.0f} / {r['queries_max']} | "
            f"{r['cpu_p50']:.1f} / {r.get('cpu_p95', 0):.1f} | {'; '.join(goals)} |"
        )
    return lines + [""], misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--writes-per-second", type=float, default=5.0)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--modes", default="read-only,mixed")
    parser.add_argument("--out", default="", help="a Markdown file for the tables (printed when empty)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("bench.crowd needs DATABASE_URL=postgres://… and REDIS_URL=redis://…", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("bench.crowd needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 2

    def log(msg: str) -> None:
        print(f"[crowd] {msg}", file=sys.stderr, flush=True)

    os.environ["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")
    os.environ["API_THROTTLE_USER"] = os.environ["API_THROTTLE_ANON"] = "1000000/min"
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    people = crowd(args.people)
    args.people_list = people
    ctx = prepare(people, log)
    probe_dir = tempfile.mkdtemp(prefix="bench-probe-")
    env = {
        **os.environ,
        "DEBUG": "False",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        "BENCH_PROBE_DIR": probe_dir,
    }
    port = free_port()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped from outside: the finally below stops gunicorn
    server = start_gunicorn(port, args.workers, env, ["--config", str(ROOT / "bench" / "gunicorn_probe.py")])
    probe = Probe(probe_dir)
    out, misses = [], []
    try:
        for mode in args.modes.split(","):
            results, counts, elapsed = run_mode(mode, port, probe, ctx, people, args, log)
            lines, missed = table(mode, results, counts, elapsed, args)
            out += lines
            misses += missed
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(probe_dir, ignore_errors=True)
    head = [
        f"Run: `python -m bench.crowd --people {args.people} --writes-per-second {args.writes_per_second:g}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. Machine: {machine()}. Database: {connection.vendor}.",
        f"App: gunicorn, {args.workers} sync workers, DEBUG off, `bench/gunicorn_probe.py` measuring in the worker; "
        f"load: wrk, 1 thread, {args.connections} connections, {args.seconds} s a target after {args.warmup} s "
        "uncounted.",
        "",
    ]
    text = "\n".join(head + out + [f"Goals missed: {', '.join(misses) or 'none'}", ""])
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
