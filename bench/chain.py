"""The audit trail under load: does recording a decision stall the company?

    python -m bench.chain --full      # on the large data set (seed it first: python -m bench.run --full)
    python -m bench.chain --small     # a few seconds a measure (CI)

Measures, from client processes calling the services as the views do (each call its own transaction):

- audited decisions per second (``stage_decide`` on a different open review each time) with 1, 4 and 16
  clients, and the time the clients spent waiting on locks (``pg_stat_activity`` sampled every 20 ms);
- ``activity_record`` (the activity POST's service) from 8 clients: p95 while idle, and p95 of the calls
  started while the dormancy audit runs over every channel (its changes are put back afterwards, so the
  next run finds the same);
- the sequencer's lag (an event's commit to its chain link) at 200 audited writes per second, with a real
  Celery worker on the ``audit`` queue;
- ``manage.py verify_audit`` over the whole trail.

It prints a table and writes it into BENCHMARKS.md between the ``bench.chain`` markers, beside the
figures of the code before the sequencer (``bench/chain-before.json``, written by ``--save-before`` on
that code). Needs DATABASE_URL (PostgreSQL), REDIS_URL and BENCH_BROKER_URL (the worker's Celery queue).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")
# DEBUG off needs a secret key; the harness makes one for its run (the gunicorn it starts inherits it)
os.environ.setdefault("SECRET_KEY", "bench-run-" + secrets.token_urlsafe(40))
if os.environ.get("BENCH_BROKER_URL"):
    os.environ["CELERY_BROKER_URL"] = os.environ["BENCH_BROKER_URL"]  # the app's kicks go to the bench's worker

BEFORE = Path(__file__).parent / "chain-before.json"
MARK_START, MARK_END = "<!-- bench.chain: start -->", "<!-- bench.chain: end -->"
FULL = {"seconds": 10, "lag_seconds": 20, "clients": (1, 4, 16), "rate": 200, "activity": 10}
COLD = False  # --cold
SMALL = {"seconds": 2, "lag_seconds": 3, "clients": (1, 4), "rate": 50, "activity": 3}


def setup() -> None:
    import django

    django.setup()


def p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def has_sequencer() -> bool:
    from audit import services

    return hasattr(services, "sequence")


class LockSampler:
    """Sums, every 20 ms, the backends of this database waiting on a lock (heavyweight or advisory)."""

    def __init__(self) -> None:
        from django.db import connection

        self.dsn = connection.get_connection_params()
        self.waited = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg2

        conn = psycopg2.connect(**self.dsn)
        conn.autocommit = True
        cur = conn.cursor()
        last = time.monotonic()
        while not self._stop.wait(0.02):
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            now = time.monotonic()
            self.waited += cur.fetchone()[0] * (now - last)
            self.samples += 1
            last = now
        conn.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _close_db() -> None:
    from django.db import connections

    connections.close_all()


# --- decisions -----------------------------------------------------------------------------


def _decider(review_ids: list[int], seconds: float, start: float, out) -> None:
    from accounts.models import User
    from approvals import services
    from approvals.models import StageReview

    reviewer = User.objects.get(email="bench-reviewer@example.com")
    while time.time() < start:
        time.sleep(0.001)
    deadline = time.monotonic() + seconds
    latencies, errors = [], 0
    for rid in review_ids:
        if time.monotonic() >= deadline:
            break
        t0 = time.perf_counter()
        try:
            services.stage_decide(actor=reviewer, stage_review=StageReview.objects.get(pk=rid), outcome="approve")
        except Exception:  # noqa: BLE001 - counted, not fatal
            errors += 1
        latencies.append(time.perf_counter() - t0)
    _close_db()
    out.put((latencies, errors))


def open_review_ids(n: int) -> list[int]:
    from approvals.models import StageReview
    from bench.run import bench_reviewer, open_reviews

    bench_reviewer()
    posts = open_reviews(n)
    return list(
        StageReview.objects.filter(post_id__in=posts, state="open").order_by("post_id").values_list("pk", flat=True)
    )


def warm() -> None:
    """What every client would otherwise do first, apart (each import several seconds of CPU on a busy
    machine): the URLconf and every view module behind it, imported before the clients fork."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports them


def bench_decisions(clients: int, seconds: float, ids: list[int]) -> dict[str, Any]:
    from accounts.models import User
    from approvals import services
    from approvals.models import StageReview

    # one decision in this process first: every lazy import and cache a decision touches is warm in the clients
    if not COLD:
        reviewer = User.objects.get(email="bench-reviewer@example.com")
        services.stage_decide(actor=reviewer, stage_review=StageReview.objects.get(pk=ids[0]), outcome="approve")
        ids = ids[1:]
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    share = len(ids) // clients
    _close_db()
    start = time.time() + 0.5
    procs = [
        ctx.Process(target=_decider, args=(ids[i * share : (i + 1) * share], seconds, start, out))
        for i in range(clients)
    ]
    for proc in procs:
        proc.start()
    with LockSampler() as locks:
        results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    latencies = [x for lat, _ in results for x in lat]
    errors = sum(e for _, e in results)
    return {
        "clients": clients,
        "decisions": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(p(latencies, 0.5) * 1000, 1),
        "p95_ms": round(p(latencies, 0.95) * 1000, 1),
        "errors": errors,
        "lock_wait_s": round(locks.waited, 2),
        "lock_wait_share": round(locks.waited / (clients * seconds), 3),
    }


# --- activity during the dormancy audit ---------------------------------------------------


def _activity_client(channel_ids: list[int], seconds: float, start: float, out) -> None:
    """Log activity on random channels, one call after another, for ``seconds``: (start time, latency) each."""
    from accounts.models import User
    from channels_registry import services
    from channels_registry.models import Channel

    it = User.objects.filter(groups__name="it_security", is_active=True).first()
    while time.time() < start:
        time.sleep(0.001)
    samples = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        pk = random.choice(channel_ids)
        t0, w0 = time.perf_counter(), time.time()
        try:
            services.activity_record(actor=it, channel=Channel.objects.get(pk=pk), kind="post", note="bench")
        except Exception:  # noqa: BLE001, S112 - a channel in a state that takes no activity: skipped
            continue
        samples.append((w0, time.perf_counter() - t0))
        time.sleep(0.02)
    _close_db()
    out.put(samples)


def _run_dormancy() -> dict[str, Any]:
    from channels_registry.services import dormancy_audit

    t0 = time.monotonic()
    result = dormancy_audit()
    return {"seconds": round(time.monotonic() - t0, 2), "result": result}


def _put_back(since) -> None:
    """Undo what the dormancy audit run changed (the trail keeps its events: it is append-only)."""
    from channels_registry.models import Channel, DormancyFinding
    from notifications.models import Notification, WebhookDelivery

    DormancyFinding.objects.filter(opened_at__gte=since).delete()
    Channel.objects.filter(state="dormant", dormant_since__gte=since).update(state="active", dormant_since=None)
    Notification.objects.filter(created_at__gte=since, event__startswith="channel.").delete()
    WebhookDelivery.objects.filter(created_at__gte=since).delete()


ACTIVITY_CLIENTS = 8


def _activity_phase(ids: list[int], seconds: float, during=None) -> tuple[list[tuple[float, float]], Any]:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    _close_db()
    start = time.time() + 0.3
    procs = [ctx.Process(target=_activity_client, args=(ids, seconds, start, out)) for _ in range(ACTIVITY_CLIENTS)]
    for proc in procs:
        proc.start()
    extra = during(start) if during else None
    samples = [x for _ in procs for x in out.get()]
    for proc in procs:
        proc.join()
    return samples, extra


def bench_activity(seconds: float) -> dict[str, Any]:
    """Activity from 8 clients, idle and then while the dormancy audit runs: p95 of the calls started meanwhile."""
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from channels_registry.models import Channel

    # channels the audit is about to flag (the quietest), as the POSTs a waking channel gets
    quiet = list(
        Channel.objects.filter(state="active")
        .alias(b=Coalesce("last_activity_at", "activated_at", "created_at"))
        .order_by("b")
        .values_list("pk", flat=True)[:20000]
    )
    from accounts.models import User
    from channels_registry import services

    it = User.objects.filter(groups__name="it_security", is_active=True).first()
    services.activity_record(actor=it, channel=Channel.objects.get(pk=quiet.pop()), kind="post", note="warm-up")
    idle, _ = _activity_phase(quiet, seconds)
    since = timezone.now()

    def run_audit(start: float) -> dict[str, Any]:
        while time.time() < start + 1.0:  # the clients are at full speed first
            time.sleep(0.01)
        t0 = time.time()
        _dormancy_result = _run_dormancy()
        return {"from": t0, "to": time.time(), **_dormancy_result}

    during, window = _activity_phase(quiet, seconds, run_audit)
    _put_back(since)
    inside = [lat for t, lat in during if window["from"] <= t <= window["to"]]
    idle_lat = [lat for _, lat in idle]
    return {
        "idle_p95_ms": round(p(idle_lat, 0.95) * 1000, 1),
        "idle_p50_ms": round(p(idle_lat, 0.5) * 1000, 1),
        "during_p95_ms": round(p(inside, 0.95) * 1000, 1),
        "during_p50_ms": round(p(inside, 0.5) * 1000, 1),
        "during_max_ms": round(max(inside or [0]) * 1000, 1),
        "requests": len(inside),
        "dormancy": {"seconds": window["seconds"], "result": window["result"]},
    }


# --- sequencer lag ----------------------------------------------------------------------------


def _writer(rate: float, seconds: float, start: float, out) -> None:
    from django.db import transaction

    from accounts.models import User
    from audit import services as audit

    actor = User.objects.get(email="admin@example.com")
    while time.time() < start:
        time.sleep(0.001)
    ids, t0 = [], time.monotonic()
    n = 0
    while (elapsed := time.monotonic() - t0) < seconds:
        due = t0 + n / rate
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        with transaction.atomic():
            ids.append(audit.record(actor=actor, action="bench.write", target=actor, data={"n": n}).pk)
        n += 1
    _close_db()
    out.put((ids, elapsed))


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "CELERY_BROKER_URL": os.environ["BENCH_BROKER_URL"]}
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "socialgov",
        "worker",
        "-Q",
        "audit",
        "--pool",
        "solo",
        "-l",
        "WARNING",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


def bench_lag(rate: int, seconds: float) -> dict[str, Any]:
    from django.db import transaction

    from accounts.models import User
    from audit import services as audit
    from audit.models import ChainLink

    with transaction.atomic():
        warm = audit.record(actor=User.objects.get(email="admin@example.com"), action="bench.warm", target_type="x.y")
    deadline = time.monotonic() + 120  # the worker started with this run may still be importing the app
    while not ChainLink.objects.filter(event=warm).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    writers = 4
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    _close_db()
    start = time.time() + 0.5
    procs = [ctx.Process(target=_writer, args=(rate / writers, seconds, start, out)) for _ in range(writers)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    ids = [pk for got, _ in results for pk in got]
    deadline = time.monotonic() + 60
    while ChainLink.objects.filter(event_id__in=ids).count() < len(ids) and time.monotonic() < deadline:
        time.sleep(0.2)
    lags = [
        (link.sequenced_at - link.event.created_at).total_seconds()
        for link in ChainLink.objects.filter(event_id__in=ids).select_related("event")
    ]
    written_rate = len(ids) / max(e for _, e in results)
    return {
        "target": rate,
        "rate": round(written_rate, 1),
        "events": len(ids),
        "chained": len(lags),
        "p50_s": round(p(lags, 0.5), 3),
        "p95_s": round(p(lags, 0.95), 3),
        "max_s": round(max(lags or [0]), 3),
    }


class BackendCPU:
    """CPU seconds of the PostgreSQL backends whose application_name is ``name`` (read from /proc every
    50 ms while they live: a backend's last 50 ms may be missed)."""

    def __init__(self, name: str) -> None:
        from django.db import connection

        self.name = name
        self.dsn = connection.get_connection_params()
        self.ticks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg2

        conn = psycopg2.connect(**self.dsn)
        conn.autocommit = True
        cur = conn.cursor()
        while not self._stop.wait(0.05):
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.name])
            for (pid,) in cur.fetchall():
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                self.ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
        conn.close()

    @property
    def seconds(self) -> float:
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def bench_verify(workers: int | None = None) -> dict[str, Any]:
    """``manage.py verify_audit`` in its own process: wall time, its CPU (all its processes) and that of
    the PostgreSQL backends serving it, per event."""
    import resource

    from audit.models import ChainLink

    events = ChainLink.objects.count()
    cmd = [sys.executable, "manage.py", "verify_audit"] + ([f"--workers={workers}"] if workers else [])
    env = {**os.environ, "PGAPPNAME": "bench.verify"}  # libpq names the backends: BackendCPU finds them
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with BackendCPU("bench.verify") as backends:
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, env=env)
    seconds = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    python = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = (run.stdout + run.stderr).strip().splitlines()
    return {
        "seconds": round(seconds, 1),
        "workers": workers or os.cpu_count(),
        "events": events,
        "per_second": round(events / seconds),
        "python_cpu_s": round(python, 1),
        "postgres_cpu_s": round(backends.seconds, 1),
        "cpu_us_per_event": round((python + backends.seconds) / max(events, 1) * 1e6, 2),
        "ok": run.returncode == 0,
        "output": text[-1] if text else "",
    }


# --- the report -----------------------------------------------------------------------------


def machine() -> str:
    load = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the start"


def rows_of(res: dict[str, Any]) -> dict[str, str]:
    rows = {}
    for d in res.get("decisions", []):
        rows[f"decisions/s, {d['clients']} client(s)"] = (
            f"{d['per_second']} /s (p95 {d['p95_ms']} ms; waiting on locks {d['lock_wait_s']} s = "
            f"{d['lock_wait_share']:.0%} of client time; {d['errors']} errors)"
        )
    if a := res.get("activity"):
        rows["activity_record p95, idle"] = f"{a['idle_p95_ms']} ms (p50 {a['idle_p50_ms']})"
        rows["activity_record p95, during the dormancy audit"] = (
            f"{a['during_p95_ms']} ms (p50 {a['during_p50_ms']}, max {a['during_max_ms']}, {a['requests']} calls; "
            f"the audit: {a['dormancy']['seconds']} s, {a['dormancy']['result']})"
        )
    if "lag" in res:
        lag = res["lag"]
        rows[f"sequencer lag at {lag.get('target', 200)} audited writes/s"] = (
            f"p95 {lag['p95_s']} s (p50 {lag['p50_s']}, max {lag['max_s']}; {lag['events']} events at "
            f"{lag['rate']}/s, {lag['chained']} chained)"
            if lag.get("events")
            else "n/a: chained inside each write's transaction, under one lock"
        )
    if v := res.get("verify"):
        cpu = (
            f"; {v['workers']} workers, {v['per_second']:,} events/s; CPU {v['python_cpu_s']} s Python + "
            f"{v['postgres_cpu_s']} s PostgreSQL = {v['cpu_us_per_event']} µs an event"
            if "python_cpu_s" in v
            else ""
        )
        rows["verify_audit, whole trail"] = f"{v['seconds']} s{cpu} ({v['output']})"
    return rows


def previous_block(out: Path) -> tuple[list[str], dict[str, str]]:
    """The block last written into ``out``: its run lines and its "after" figures by measure."""
    body = out.read_text() if out.exists() else ""
    found = re.search(re.escape(MARK_START) + "(.*?)" + re.escape(MARK_END), body, flags=re.S)
    if not found:
        return [], {}
    runs = [line for line in found.group(1).splitlines() if line.startswith(("Run:", "Re-run"))]
    rows = {}
    for line in found.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if line.startswith("| ") and len(cells) == 3 and cells[0] not in ("measure", "---"):
            rows[cells[0]] = cells[2]
    return runs, rows


def table(after: dict[str, Any], before: dict[str, Any] | None, kept: tuple[list[str], dict[str, str]] = ()) -> str:
    """The table; with ``kept`` (a run that skipped measures), the previous block's figures for those."""
    now, old = rows_of(after), rows_of(before or {})
    this_run = f"`python -m bench.chain --{after['scale']}` on {after['when']}; {after['machine']}; {after['data']}."
    if kept and kept[0]:
        first = [line for line in kept[0] if line.startswith("Run:")][:1]
        earlier = [line for line in kept[0] if line.startswith("Re-run of ") and line[10:].split(": ", 1)[0] not in now]
        runs = first + earlier + [f"Re-run of {name}: {this_run}" for name in now]
        now = {**{k: v for k, v in kept[1].items() if v}, **now}
    else:
        runs = [f"Run: {this_run}"]
    lines = [
        *runs,
        (
            f"Before: the code before the sequencer, {before['when']}; {before['machine']}."
            if before
            else "Before: not recorded on this machine (`--save-before` on the previous code)."
        ),
        "",
        "| measure | before | after |",
        "| --- | --- | --- |",
    ]
    for name in dict.fromkeys([*old, *now]):
        lines.append(f"| {name} | {old.get(name, '')} | {now.get(name, '')} |")
    return "\n".join(lines)


def write_report(text: str, out: Path) -> None:
    body = out.read_text() if out.exists() else "# socialgov benchmarks\n"
    block = f"{MARK_START}\n## The audit trail: decisions, bulk jobs, the sequencer (issue 18)\n\n{text}\n{MARK_END}"
    if MARK_START in body:
        body = re.sub(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), lambda _: block, body, flags=re.S)
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    out.write_text(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_const", dest="scale", const="small")
    size.add_argument("--full", action="store_const", dest="scale", const="full")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--save-before", action="store_true", help=f"Record this code's figures as {BEFORE.name}.")
    parser.add_argument("--skip", action="append", default=[], help="decisions, activity, lag or verify")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="Clients import the app themselves (the first version of this harness: bench/chain-before.json).",
    )
    parser.add_argument("--verify-workers", type=int, default=None, help="verify_audit --workers (default: its own)")
    args = parser.parse_args(argv)
    scale = args.scale or "small"
    conf = FULL if scale == "full" else SMALL
    for name in ("DATABASE_URL", "REDIS_URL", "BENCH_BROKER_URL"):
        if not os.environ.get(name):
            parser.error(f"{name} must be set (PostgreSQL, Redis, the bench's Celery queue).")
    setup()
    from django.core.management import call_command
    from django.utils import timezone

    from audit.models import AuditEvent
    from channels_registry.models import Channel

    started = machine()
    if scale == "small":
        from bench.seed_scale import Command as SeedScale

        call_command(SeedScale(), small=True, no_progress=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    data = f"{Channel.objects.count():,} channels, {AuditEvent.objects.count():,} audit events"
    res: dict[str, Any] = {"scale": scale, "when": f"{timezone.now():%Y-%m-%d %H:%M} UTC", "machine": started}
    res["data"] = data
    global COLD
    COLD = args.cold
    if not COLD:
        warm()
    worker = start_worker() if has_sequencer() else None
    try:
        if "decisions" not in args.skip:
            # more reviews than the run could decide (a few hundred a second on two cores), split among its clients
            per_run = 400 * conf["seconds"] if scale == "full" else 300
            ids = open_review_ids(per_run * len(conf["clients"]))
            res["decisions"] = []
            used = 0
            for clients in conf["clients"]:
                need = per_run
                chunk = ids[used : used + need]
                used += need
                res["decisions"].append(bench_decisions(clients, conf["seconds"], chunk))
                print(res["decisions"][-1], flush=True)
        if "activity" not in args.skip:
            res["activity"] = bench_activity(conf["activity"])
            print(res["activity"], flush=True)
        if "lag" not in args.skip:
            res["lag"] = bench_lag(conf["rate"], conf["lag_seconds"]) if has_sequencer() else {}
            print(res["lag"], flush=True)
        if "verify" not in args.skip:
            res["verify"] = bench_verify(args.verify_workers)
            print(res["verify"], flush=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
    if args.save_before:
        kept = json.loads(BEFORE.read_text()) if BEFORE.exists() and args.skip else {}
        BEFORE.write_text(json.dumps({**kept, **res}, indent=2) + "\n")  # measures skipped now keep their figures
    before = json.loads(BEFORE.read_text()) if BEFORE.exists() and not args.save_before else None
    kept = previous_block(Path(args.out)) if args.skip and not args.save_before else ()
    text = table(res, before if before and before.get("scale") == scale else None, kept)
    print(text)
    if not args.save_before:
        write_report(text, Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
