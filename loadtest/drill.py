"""The multi-node drill: two web nodes, two workers and a beat on one PostgreSQL and one Redis, and what
happens when parts of it die.

    DATABASE_URL=postgres://…/socialgov_drill python -m loadtest.drill --seconds 120 --report LOAD.md

On loopback, on free ports of its own (≥ 20000), it starts a Redis (the broker and the cache), PgBouncer in
transaction mode in front of DATABASE_URL's PostgreSQL for the web nodes, an SMTP server and a webhook
receiver (both in this process, counting what they are handed by notification and delivery id), two gunicorn
web nodes, two Celery workers (one process each) and one beat. Signed-in people (sessions for the pages, a
token each for the API) spread their requests over both nodes: authors draft, submit and comment on posts,
reviewers decide them, everyone reads the dashboard and the queue; every write is audited and notifies by
e-mail and webhook. Like a load balancer, a person whose connection is refused (the node is down) sends that
request to the other node; a request already sent is never sent again.

During the load it kills a web node (SIGKILL) and starts it again, kills a worker while it delivers a webhook
(the receiver holds that request until the worker is dead), restarts Redis (empty: queued messages, cached
sessions and throttle counters are lost), restarts PgBouncer online (``pgbouncer -R``) and runs a second beat
for a while. Then it waits for the outbox to drain and checks: no 500, failed requests only those in flight on
the killed node, every notification delivered exactly once (e-mails counted at the SMTP server, webhooks at
the receiver), the second beat sent nothing, sessions and throttles survived the Redis restart, and the audit
chain verifies with its checkpoints. Exit status 1 if a check fails. The periodic tasks run every 10 seconds
during the drill (the database's schedule is changed for it), so that each runs many periods.

Needs: redis-server, pgbouncer and ss (apt-get install -y redis-server pgbouncer iproute2), and a PostgreSQL
database of its own (migrated and seeded here; the drill counts only what it creates).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
QUEUES = "default,notifications,webhooks,periodic,audit"
PERIOD_SECONDS = 10  # every periodic task, during the drill
THROTTLE = 20  # content checks a minute per person, during the drill: the throttle check goes over it
PAGES = ["/", "/posts/queue/", "/notifications/", "/profile/"]


def free_port() -> int:
    """A free loopback port of at least 20000."""
    for _ in range(500):
        port = random.randint(20000, 60999)  # noqa: S311 - not a secret
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port")


def wait_until(predicate, limit: float, what: str) -> float:
    """Poll ``predicate`` until true; the seconds it took. SystemExit after ``limit``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        try:
            if predicate():
                return time.monotonic() - t0
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        time.sleep(0.1)
    raise SystemExit(f"drill: {what} did not happen within {limit:.0f} s")


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
    except ConnectionRefusedError:
        return True
    return False


class Node:
    """One process of the drill, in a process group of its own, its output in a log file."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], logdir: Path):
        self.name, self.cmd, self.env = name, cmd, env
        self.log_path = logdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Node:
        log = open(self.log_path, "a")  # noqa: SIM115 - the child holds it
        self.proc = subprocess.Popen(  # noqa: S603
            self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL to every process of the node (a machine that dies)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if not self.alive:
            return
        os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# --- the receivers: what the outside world got -----------------------------------------------------------


@dataclass
class Webhooks:
    """An HTTP receiver counting the deliveries it answered 2xx, by delivery id. When ``hold`` is set, the
    next request is not answered until ``release`` is set, and then not at all (its sender died meanwhile)."""

    answered: Counter = field(default_factory=Counter)
    hold: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    held: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def start(self, port: int) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                delivery = self.headers.get("X-Socialgov-Delivery", "")
                with receiver.lock:
                    take = receiver.hold.is_set() and not receiver.held
                    if take:
                        receiver.held.update(delivery=int(delivery), port=self.client_address[1], at=time.time())
                if take:
                    receiver.release.wait(300)
                    self.close_connection = True
                    return  # never answered: not delivered
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                with receiver.lock:
                    receiver.answered[int(delivery)] += 1

            def log_message(self, format, *args):  # noqa: A002
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.url = f"http://127.0.0.1:{port}/hook"
        return server


@dataclass
class Mailbox:
    """An SMTP server counting the e-mails it accepted, by notification id (X-Socialgov-Notification)."""

    accepted: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, port: int):
        from email import message_from_bytes, policy

        from aiosmtpd.controller import Controller

        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
                msg = message_from_bytes(envelope.original_content, policy=policy.default)
                with box.lock:
                    box.accepted[int(msg.get("X-Socialgov-Notification", 0))] += 1
                return "250 Message accepted for delivery"

        controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        controller.start()
        return controller


# --- the servers the drill restarts ----------------------------------------------------------------------


def redis_node(port: int, logdir: Path) -> Node:
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return Node("redis", cmd, dict(os.environ), logdir)


def pgbouncer_config(port: int, db: dict, workdir: Path) -> Path:
    workdir.mkdir()
    workdir.chmod(0o777)  # PgBouncer runs as nobody when the drill is root (it refuses root): its socket, pid
    (workdir / "users.txt").write_text(f'"{db["USER"]}" "{db.get("PASSWORD") or ""}"\n')
    ini = workdir / "pgbouncer.ini"
    password = f" password={db['PASSWORD']}" if db.get("PASSWORD") else ""
    ini.write_text(
        "[databases]\n"
        f"{db['NAME']} = host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432} "
        f"dbname={db['NAME']} user={db['USER']}{password}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir = {workdir}\n"
        f"auth_type = trust\nauth_file = {workdir / 'users.txt'}\n"
        "pool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 10\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"pidfile = {workdir / 'pgbouncer.pid'}\n"
    )
    return ini


def as_user() -> list[str]:
    return ["-u", "nobody"] if os.geteuid() == 0 else []


# --- the load --------------------------------------------------------------------------------------------


@dataclass
class Person:
    email: str
    role: str  # author | reviewer
    cookie: str
    csrf: str
    token: str


@dataclass
class Result:
    node: int
    what: str
    started: float
    ended: float
    status: int | None  # None: no answer (the error says why)
    error: str = ""
    rerouted: bool = False
    body: Any = None


class Load:
    """People sending requests to the web nodes until ``stop`` is set."""

    def __init__(self, people: list[Person], ports: list[int], channel_id: int):
        self.people, self.ports, self.channel_id = people, ports, channel_id
        self.results: list[Result] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.in_review: queue.Queue[int] = queue.Queue()
        self.threads: list[threading.Thread] = []

    def send(self, person: Person, i: int, method: str, path: str, what: str, **kwargs) -> Result:
        """One request to node ``i % 2``; refused at connect (not sent): to the other node, once."""
        headers = {"Cookie": f"{person.cookie}", "X-CSRFToken": person.csrf, "Referer": "http://127.0.0.1/"}
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {person.token}"}
        node = i % 2
        rerouted = False
        for attempt in range(2):
            started = time.time()
            try:
                response = requests.request(
                    method,
                    f"http://127.0.0.1:{self.ports[node]}{path}",
                    headers=headers,
                    timeout=30,
                    allow_redirects=False,
                    **kwargs,
                )
                result = Result(node, what, started, time.time(), response.status_code, rerouted=rerouted)
                result.body = response.json() if "json" in response.headers.get("Content-Type", "") else None
                break
            except requests.ConnectionError as exc:
                refused = "refused" in str(exc).lower() or "NewConnectionError" in str(exc)
                if refused and attempt == 0:
                    node, rerouted = 1 - node, True
                    continue
                result = Result(
                    node,
                    what,
                    started,
                    time.time(),
                    None,
                    type(exc).__name__ + (" (refused)" if refused else " (in flight)"),
                    rerouted,
                )
                break
            except requests.RequestException as exc:
                result = Result(node, what, started, time.time(), None, type(exc).__name__, rerouted)
                break
        with self.lock:
            self.results.append(result)
        return result

    def run_person(self, person: Person, n: int) -> None:
        i = n
        rng = random.Random(n)  # noqa: S311
        while not self.stop.is_set():
            i += 1
            page = PAGES[i % len(PAGES)]
            self.send(person, i, "GET", page, f"GET {page}")
            if person.role == "author":
                created = self.send(
                    person,
                    i + 1,
                    "POST",
                    "/api/v1/posts/",
                    "POST post",
                    json={"channel": self.channel_id, "body": f"Drill post {n}-{i}: our news this week."},
                )
                post_id = (created.body or {}).get("id") if created.status == 201 else None
                if post_id:
                    submitted = self.send(person, i, "POST", f"/api/v1/posts/{post_id}/submit/", "POST submit")
                    if submitted.status == 200:
                        self.in_review.put(post_id)
                    self.send(
                        person,
                        i + 1,
                        "POST",
                        f"/posts/{post_id}/comments/",
                        "POST comment (page)",
                        data={"body": "Ready for review.", "csrfmiddlewaretoken": person.csrf},
                    )
            else:
                try:
                    post_id = self.in_review.get(timeout=0.5)
                except queue.Empty:
                    continue
                outcome = "approve" if rng.random() < 0.7 else "request_changes"
                self.send(
                    person,
                    i + 1,
                    "POST",
                    f"/api/v1/posts/{post_id}/decide/",
                    "POST decide",
                    json={"outcome": outcome, "comment": "Drill decision."},
                )
            self.stop.wait(0.2)

    def start(self) -> None:
        for n, person in enumerate(self.people):
            t = threading.Thread(target=self.run_person, args=(person, n), daemon=True)
            t.start()
            self.threads.append(t)

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)


# --- setting up the database -----------------------------------------------------------------------------


def prepare(authors: int, reviewers: int, receiver_url: str, checkpoints: Path) -> dict:
    """Migrate, seed, and make the drill's people, channel, webhook endpoint and 10-second schedules."""
    import django

    django.setup()
    from django.core.management import call_command
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from accounts.choices import Role
    from accounts.management.commands.seed_demo import enrol_demo_totp
    from accounts.models import Membership, User
    from accounts.services import token_create
    from audit.models import AuditCheckpoint, AuditEvent
    from bench.run import session_cookie
    from channels_registry.choices import ChannelRole, ChannelState
    from channels_registry.models import Channel, ChannelMembership
    from notifications.models import Notification, WebhookDelivery, WebhookEndpoint

    call_command("migrate", verbosity=0)
    if not AuditCheckpoint.objects.exists():  # a new database: checkpoint files of an old one are not its own
        for old in checkpoints.glob("*.json"):
            old.unlink()
    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("seed_registry", stdout=open(os.devnull, "w"))  # noqa: SIM115
    channel = Channel.objects.filter(state=ChannelState.ACTIVE).select_related("department").order_by("pk").first()
    if channel is None:
        raise SystemExit("drill: seed_registry made no active channel")
    people = []
    stamp = int(time.time())
    for role, count in (("author", authors), ("reviewer", reviewers)):
        for k in range(count):
            user, _ = User.objects.get_or_create(
                email=f"drill-{role}-{k}@example.com", defaults={"full_name": f"Drill {role} {k}"}
            )
            Membership.objects.update_or_create(
                user=user,
                department=channel.department,
                defaults={"role": Role.MEMBER if role == "author" else Role.REVIEWER},
            )
            if role == "author":
                ChannelMembership.objects.get_or_create(
                    channel=channel, user=user, ended_at=None, defaults={"role": ChannelRole.CONTRIBUTOR}
                )
            else:
                enrol_demo_totp(user)
            cookie = session_cookie(user)
            csrf = cookie.rsplit("=", 1)[1]
            _, key = token_create(actor=user, name=f"drill {stamp} {role} {k}", scope="write")
            people.append(Person(user.email, role, cookie, csrf, key))
    WebhookEndpoint.objects.filter(name__startswith="drill").update(is_active=False)
    WebhookEndpoint.objects.create(name=f"drill {stamp}", url=receiver_url, secret="drill", events=[])
    every, _ = IntervalSchedule.objects.get_or_create(every=PERIOD_SECONDS, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(enabled=True).exclude(task__startswith="celery.").update(
        interval=every, crontab=None, last_run_at=None
    )
    from django_celery_beat.models import PeriodicTasks

    PeriodicTasks.update_changed()
    throttle_user = next(p for p in people if p.role == "author")
    return {
        "people": people,
        "channel_id": channel.pk,
        "throttle_user": throttle_user,
        "watermarks": {
            "notification": Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            "delivery": WebhookDelivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            "event": AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        },
    }


# --- the drill -------------------------------------------------------------------------------------------


class Drill:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="socialgov-drill-"))
        self.workdir.chmod(0o711)  # PgBouncer (nobody, below) reaches its own directory inside
        self.nodes: list[Node] = []
        self.faults: list[dict] = []
        self.notes: list[str] = []

    def log(self, msg: str) -> None:
        print(f"[drill {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def environment(self) -> None:
        import environ

        db = environ.Env.db_url_config(os.environ["DATABASE_URL"])
        self.db = db
        self.redis_port, self.pgb_port = free_port(), free_port()
        self.smtp_port, self.hook_port = free_port(), free_port()
        self.web_ports = [free_port(), free_port()]
        # The signing key and the checkpoints outlive a run: the next run's first checkpoint follows this one's.
        state = ROOT / "var" / "drill" / db["NAME"]
        key_file = state / "audit-key.pem"
        self.checkpoints = state / "checkpoints"
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        self.checkpoints_before = len(list(self.checkpoints.glob("*.json")))
        base = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "drill-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "AUDIT_SIGNING_KEY_FILE": str(key_file),
            "AUDIT_CHECKPOINT_DIR": str(self.checkpoints),
            "LOG_LEVEL": "WARNING",
            "API_THROTTLE_CONTENT_CHECK": f"{THROTTLE}/min",
            "WEBHOOK_TIMEOUT": "5",
            "OUTBOX_SWEEP_AFTER_SECONDS": str(PERIOD_SECONDS),
            "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",  # the webhook receiver is on loopback
        }
        base.pop("CELERY_BROKER_URL", None)
        self.direct_env = base
        pooled = urlsplit(os.environ["DATABASE_URL"])
        netloc = pooled.netloc.rsplit("@", 1)
        auth = netloc[0] + "@" if len(netloc) == 2 else ""
        query = "disable_server_side_cursors=True" + (f"&{pooled.query}" if pooled.query else "")
        self.web_env = {
            **base,
            "DATABASE_URL": urlunsplit((pooled.scheme, f"{auth}127.0.0.1:{self.pgb_port}", pooled.path, query, "")),
        }
        os.environ.update({k: v for k, v in base.items() if k != "DATABASE_URL"})
        os.environ.pop("CELERY_BROKER_URL", None)  # this process publishes to the drill's Redis too
        if not key_file.exists():
            subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", "audit_keygen", str(key_file)],
                cwd=ROOT,
                env=base,
                check=True,
                capture_output=True,
            )

    def add(self, node: Node) -> Node:
        self.nodes.append(node)
        return node.start()

    def web(self, k: int) -> Node:
        cmd = [sys.executable, "-m", "gunicorn", "socialgov.wsgi", "--bind", f"127.0.0.1:{self.web_ports[k]}"]
        cmd += ["--workers", str(self.args.web_workers), "--log-level", "warning", "--graceful-timeout", "5"]
        return Node(f"web{k + 1}", cmd, self.web_env, self.workdir)

    def worker(self, k: int) -> Node:
        cmd = [sys.executable, "-m", "celery", "-A", "socialgov", "worker", "-Q", QUEUES, "--concurrency", "1"]
        cmd += ["-n", f"drill{k + 1}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
        return Node(f"worker{k + 1}", cmd, self.direct_env, self.workdir)

    def beat(self, k: int) -> Node:
        cmd = [sys.executable, "-m", "celery", "-A", "socialgov", "beat", "--loglevel", "INFO", "--pidfile="]
        cmd += ["-s", str(self.workdir / f"beat{k}-schedule")]
        return Node(f"beat{k}", cmd, self.direct_env, self.workdir)

    def pgbouncer(self, online: bool = False) -> Node:
        cmd = ["pgbouncer", *as_user(), *(["-R"] if online else []), str(self.ini)]
        return Node("pgbouncer", cmd, dict(os.environ), self.workdir)

    def ready(self, port: int) -> bool:
        return requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200

    def start(self) -> None:
        for tool in ("redis-server", "pgbouncer"):
            if not shutil.which(tool):
                raise SystemExit(f"drill needs {tool}: apt-get install -y {tool}")
        self.environment()
        self.log(f"working in {self.workdir}")
        self.redis = self.add(redis_node(self.redis_port, self.workdir))
        import redis

        wait_until(lambda: redis.Redis(port=self.redis_port).ping(), 20, "redis")
        self.ini = pgbouncer_config(self.pgb_port, self.db, self.workdir / "pgbouncer")
        self.pooler = self.add(self.pgbouncer())
        wait_until(lambda: socket.create_connection(("127.0.0.1", self.pgb_port), 1).close() or True, 20, "pgbouncer")
        self.webhooks = Webhooks()
        self.hook_server = self.webhooks.start(self.hook_port)
        self.mailbox = Mailbox()
        self.smtp = self.mailbox.start(self.smtp_port)
        self.log("preparing the database (migrate, seed, people)")
        self.ctx = prepare(self.args.authors, self.args.reviewers, self.webhooks.url, self.checkpoints)
        self.checkpoints_before = len(list(self.checkpoints.glob("*.json")))
        self.webs = [self.add(self.web(0)), self.add(self.web(1))]
        self.workers = [self.add(self.worker(0)), self.add(self.worker(1))]
        self.beats = [self.add(self.beat(1))]
        for port in self.web_ports:
            wait_until(lambda port=port: self.ready(port), 60, f"web node on {port}")
        wait_until(lambda: "ready" in self.workers[0].log() and "ready" in self.workers[1].log(), 60, "workers")
        self.log("all up")

    # the faults -------------------------------------------------------------------------------------------

    def kill_web(self) -> None:
        node = self.webs[0]
        self.log("fault: SIGKILL web node 1")
        at = time.time()
        node.kill()
        # dead when its port refuses connections: until the last of its processes is gone, the kernel still
        # accepts connections for it (in flight on the killed node, reset unanswered)
        wait_until(lambda: refuses(self.web_ports[0]), 30, "web node 1 to be gone")
        dead = time.time()
        time.sleep(2)
        self.webs[0] = new = self.web(0)
        self.nodes.append(new)
        new.start()
        took = wait_until(lambda: self.ready(self.web_ports[0]), 60, "web node 1 again")
        self.faults.append(
            {"fault": "SIGKILL web node 1, restart after 2 s", "at": at, "dead": dead, "recovered_s": 2 + took}
        )

    def kill_worker(self) -> None:
        self.log("fault: kill a worker mid-delivery")
        self.webhooks.held.clear()
        self.webhooks.release.clear()
        self.webhooks.hold.set()
        try:
            wait_until(lambda: bool(self.webhooks.held), 60, "a webhook delivery to hold")
        finally:
            self.webhooks.hold.clear()
        held = dict(self.webhooks.held)
        owner = self.owner_of(held["port"])
        k = next((j for j, w in enumerate(self.workers) if w.alive and os.getpgid(w.proc.pid) == owner), None)
        if k is None:
            self.webhooks.release.set()
            raise SystemExit(f"drill: no worker holds the connection from port {held['port']}")
        at = time.time()
        self.workers[k].kill()
        self.webhooks.release.set()
        time.sleep(2)
        self.workers[k] = new = self.worker(k)
        self.nodes.append(new)
        new.start()
        self.faults.append(
            {"fault": f"SIGKILL worker {k + 1} mid-webhook, restart after 2 s", "at": at, "delivery": held["delivery"]}
        )

    @staticmethod
    def owner_of(client_port: int) -> int:
        """The process group holding the TCP connection from ``client_port`` (ss -p names the process)."""
        out = subprocess.run(  # noqa: S603
            ["ss", "-Htnp", "state", "established", f"( sport = :{client_port} )"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        match = re.search(r"pid=(\d+)", out)
        if not match:
            raise SystemExit(f"drill: nobody holds the connection from port {client_port}: {out!r}")
        return os.getpgid(int(match.group(1)))

    def restart_redis(self) -> None:
        import redis

        self.log("fault: restart Redis (empty)")
        at = time.time()
        self.redis.stop()
        self.redis = self.redis_node_again()
        wait_until(lambda: redis.Redis(port=self.redis_port).ping(), 20, "redis again")
        took = wait_until(lambda: all(self.ready(p) for p in self.web_ports), 60, "web nodes ready after redis")
        self.faults.append({"fault": "restart Redis (broker and cache, nothing kept)", "at": at, "recovered_s": took})
        self.after_redis = self.check_sessions_and_throttle()

    def redis_node_again(self) -> Node:
        node = redis_node(self.redis_port, self.workdir)
        self.nodes.append(node)
        return node.start()

    def check_sessions_and_throttle(self) -> dict:
        """Every person still signed in on both nodes; the throttle still counts (and stops) content checks."""
        lost = 0
        for person in self.ctx["people"]:
            for port in self.web_ports:
                r = requests.get(
                    f"http://127.0.0.1:{port}/profile/",
                    headers={"Cookie": person.cookie},
                    timeout=30,
                    allow_redirects=False,
                )
                lost += r.status_code != 200
        token = self.ctx["throttle_user"].token
        statuses = Counter()
        for k in range(THROTTLE + 5):
            r = requests.post(
                f"http://127.0.0.1:{self.web_ports[k % 2]}/api/v1/content-check/",
                headers={"Authorization": f"Bearer {token}"},
                json={"text": "Our news this week."},
                timeout=30,
            )
            statuses[r.status_code] += 1
        return {"sessions_checked": 2 * len(self.ctx["people"]), "sessions_lost": lost, "throttle": dict(statuses)}

    def restart_pooler(self) -> None:
        self.log("fault: restart PgBouncer (online, -R)")
        at = time.time()
        old = self.pooler
        self.pooler = new = self.pgbouncer(online=True)
        self.nodes.append(new)
        new.start()
        try:
            old.proc.wait(30)  # the old process hands its sockets over and exits
        except subprocess.TimeoutExpired:
            self.notes.append("the old PgBouncer did not exit after the online restart")
        took = wait_until(lambda: all(self.ready(p) for p in self.web_ports), 60, "web nodes ready after pooler")
        self.faults.append({"fault": "restart PgBouncer online (pgbouncer -R)", "at": at, "recovered_s": took})

    def second_beat(self, seconds: float) -> None:
        self.log(f"fault: a second beat for {seconds:.0f} s")
        at = time.time()
        extra = self.add(self.beat(2))
        self.beats.append(extra)
        time.sleep(seconds)
        extra.stop()
        self.faults.append({"fault": f"a second beat for {seconds:.0f} s", "at": at, "until": time.time()})

    # the run ----------------------------------------------------------------------------------------------

    def run(self) -> dict:
        self.start()
        load = Load(self.ctx["people"], self.web_ports, self.ctx["channel_id"])
        t0 = time.time()
        load.start()
        s = self.args.seconds
        plan = [
            (0.10, self.kill_web),
            (0.25, self.kill_worker),
            (0.40, self.restart_redis),
            (0.55, self.restart_pooler),
            (0.65, lambda: self.second_beat(self.args.second_beat)),
        ]
        for share, fault in plan:
            time.sleep(max(0.0, t0 + share * s - time.time()))
            fault()
        time.sleep(max(0.0, t0 + s - time.time()))  # the load goes on to the end, or until the second beat stops
        load.finish()
        load_seconds = time.time() - t0
        self.log("load done; waiting for the outbox to drain")
        drained = self.drain()
        result = self.check(load, load_seconds, drained)
        return result

    def drain(self) -> float:
        from notifications.choices import DeliveryState, EmailState
        from notifications.models import Notification, WebhookDelivery

        marks = self.ctx["watermarks"]

        def empty() -> bool:
            pending = (
                Notification.objects.filter(pk__gt=marks["notification"], email_state=EmailState.PENDING).exists()
                or WebhookDelivery.objects.filter(pk__gt=marks["delivery"], state=DeliveryState.PENDING).exists()
            )
            return not pending

        return wait_until(empty, self.args.drain_limit, "the outbox to drain")

    def check(self, load: Load, load_seconds: float, drained: float) -> dict:
        from notifications.choices import DeliveryState, EmailState
        from notifications.models import Notification, WebhookDelivery

        marks = self.ctx["watermarks"]
        kill = next(f for f in self.faults if f["fault"].startswith("SIGKILL web"))
        failed = [r for r in load.results if r.status is None]
        # in flight: sent to node 1 before it was dead, not answered before the kill began
        in_flight = [r for r in failed if r.node == 0 and r.started <= kill["dead"] and r.ended >= kill["at"]]
        other_failed = [r for r in failed if r not in in_flight]
        statuses = Counter(str(r.status) for r in load.results if r.status is not None)
        errors = Counter(r.error for r in failed)
        server_errors = sum(1 for r in load.results if r.status and r.status >= 500)
        by_kind = Counter(r.what for r in load.results)

        emails = dict(Notification.objects.filter(pk__gt=marks["notification"]).values_list("pk", "email_state"))
        sent_ids = {pk for pk, state in emails.items() if state == EmailState.SENT}
        accepted = {pk: n for pk, n in self.mailbox.accepted.items() if pk > marks["notification"]}
        deliveries = dict(WebhookDelivery.objects.filter(pk__gt=marks["delivery"]).values_list("pk", "state"))
        succeeded = {pk for pk, state in deliveries.items() if state == DeliveryState.SUCCEEDED}
        answered = {pk: n for pk, n in self.webhooks.answered.items() if pk > marks["delivery"]}
        worker_fault = next(f for f in self.faults if f["fault"].startswith("SIGKILL worker"))
        held = WebhookDelivery.objects.get(pk=worker_fault["delivery"])
        worker_fault["recovered_s"] = held.delivered_at.timestamp() - worker_fault["at"] if held.delivered_at else None

        beat2 = self.beats[1].log() if len(self.beats) > 1 else ""
        sent_by = [len(re.findall(r"Sending due task", b.log())) for b in self.beats]
        per_task = Counter(m for b in self.beats for m in re.findall(r"Sending due task .*\((\S+)\)", b.log()))
        checkpoint_sends = [len(re.findall(r"Sending due task .*audit\.checkpoint", b.log())) for b in self.beats]
        checkpoints = len(list(self.checkpoints.glob("*.json"))) - self.checkpoints_before

        verify = self.verify()
        result = {
            "seconds": round(load_seconds),
            "drain_s": round(drained, 1),
            "people": len(self.ctx["people"]),
            "requests": len(load.results),
            "by_kind": dict(by_kind),
            "statuses": dict(statuses),
            "rerouted": sum(r.rerouted for r in load.results),
            "failed": len(failed),
            "failed_in_flight_on_killed_node": len(in_flight),
            "failed_otherwise": len(other_failed),
            "errors": dict(errors),
            "failed_detail": [
                f"node {r.node + 1} {r.what}: {r.error}, sent {r.started - kill['at']:+.2f} s from the kill, "
                f"{r.ended - r.started:.2f} s"
                for r in failed
            ],
            "server_errors": server_errors,
            "emails": {
                "notifications": len(emails),
                "sent": len(sent_ids),
                "delivered": len(accepted),
                "duplicated": sum(1 for n in accepted.values() if n > 1),
                "lost": len(sent_ids - set(accepted)),
                "unexpected": len(set(accepted) - sent_ids),
                "other_states": dict(Counter(s for s in emails.values() if s != EmailState.SENT)),
            },
            "webhooks": {
                "deliveries": len(deliveries),
                "succeeded": len(succeeded),
                "delivered": len(answered),
                "duplicated": sum(1 for n in answered.values() if n > 1),
                "lost": len(succeeded - set(answered)),
                "unexpected": len(set(answered) - succeeded),
                "other_states": dict(Counter(s for s in deliveries.values() if s != DeliveryState.SUCCEEDED)),
            },
            "beats": {
                "sent_by_each": sent_by,
                "per_task": dict(sorted(per_task.items())),
                "second_stood_by": "stands by" in beat2,
                "checkpoint_sends": checkpoint_sends,
                "checkpoints": checkpoints,
            },
            "after_redis": self.after_redis,
            "verify_audit": verify,
            "faults": [
                {
                    k: round(v, 1) if isinstance(v, float) else v
                    for k, v in f.items()
                    if k not in ("at", "dead", "until")
                }
                for f in self.faults
            ],
            "notes": self.notes,
            "workers": self.args.web_workers,
        }
        result["checks"] = checks(result)
        return result

    def verify(self) -> dict:
        env = self.direct_env
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "audit_sequence"], cwd=ROOT, env=env, capture_output=True, check=False
        )
        out = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "verify_audit", "--checkpoints", str(self.checkpoints)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return {"ok": out.returncode == 0, "output": (out.stdout + out.stderr).strip().splitlines()[-3:]}

    def close(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        for server in ("hook_server", "smtp"):
            thing = getattr(self, server, None)
            if thing is not None:
                thing.shutdown() if server == "hook_server" else thing.stop()
        if not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def checks(r: dict) -> dict[str, bool]:
    e, w, b, a = r["emails"], r["webhooks"], r["beats"], r["after_redis"]
    return {
        "no 500": r["server_errors"] == 0,
        "failed only in flight on the killed node": r["failed_otherwise"] == 0,
        "every e-mail delivered exactly once": e["lost"] == 0
        and e["duplicated"] == 0
        and e["unexpected"] == 0
        and e["sent"] == e["notifications"] - sum(e["other_states"].values())
        and not e["other_states"].get("pending"),
        "every webhook delivered exactly once": w["lost"] == 0
        and w["duplicated"] == 0
        and w["unexpected"] == 0
        and w["succeeded"] == w["deliveries"],
        "the second beat sent nothing": len(b["sent_by_each"]) == 2 and b["sent_by_each"][1] == 0,
        # at most one a period (the leader sends one a period): a checkpoint task queued when Redis restarted is
        # lost, the next period's covers its events
        "no checkpoint twice in a period": 0 < b["checkpoints"] <= max(b["checkpoint_sends"]),
        "sessions survived the Redis restart": a["sessions_lost"] == 0,
        "the throttle works after the Redis restart": a["throttle"].get("429", a["throttle"].get(429, 0)) > 0,
        "the audit chain verifies": r["verify_audit"]["ok"],
    }


def report(r: dict, path: Path, command: str) -> None:
    e, w, b = r["emails"], r["webhooks"], r["beats"]
    lines = [
        "## Multi-node drill",
        "",
        f"`{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on a {os.cpu_count()}-core machine shared with "
        f"other work (load average {os.getloadavg()[0]:.0f} at the end): "
        f"two gunicorn nodes ({r['workers']} sync workers each, DEBUG off) through PgBouncer (transaction mode), "
        f"two Celery workers (one process each), one beat, one PostgreSQL, one Redis; {r['people']} signed-in "
        f"people for {r['seconds']} s, then {r['drain_s']} s until the outbox was empty. Periodic tasks every "
        f"{PERIOD_SECONDS} s.",
        "",
        "| requests | answered | rerouted (refused at connect) | failed: in flight on the killed node "
        "| failed otherwise | 500s |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| {r['requests']} | {r['requests'] - r['failed']} | {r['rerouted']} | "
        f"{r['failed_in_flight_on_killed_node']} | {r['failed_otherwise']} | {r['server_errors']} |",
        "",
        f"Statuses: {json.dumps(r['statuses'], sort_keys=True)}; errors: {json.dumps(r['errors'], sort_keys=True)}; "
        f"requests by kind: {json.dumps(r['by_kind'], sort_keys=True)}.",
        "",
        "| notifications | created | sent (database) | delivered (counted at the receiver) | duplicated | lost |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| e-mail | {e['notifications']} | {e['sent']} | {e['delivered']} | {e['duplicated']} | {e['lost']} |",
        f"| webhook | {w['deliveries']} | {w['succeeded']} | {w['delivered']} | {w['duplicated']} | {w['lost']} |",
        "",
        "| fault | recovered after (s) |",
        "| --- | --- |",
    ]
    for f in r["faults"]:
        took = f.get("recovered_s")
        lines.append(f"| {f['fault']} | {'—' if took is None else f'{took:.1f}'} |")
    a = r["after_redis"]
    lines += [
        "",
        "Recovery: a web node when it answers `/readyz` again; the worker when the webhook it was sending "
        "(held unanswered by the receiver while the worker was killed) was delivered by another, after its "
        "lease ran out and the outbox sweep queued it again.",
        "",
        f"Beats: tasks sent by each {b['sent_by_each']} (the second stood by: {b['second_stood_by']}), by task "
        f"{json.dumps(b['per_task'])}; "
        f"checkpoint tasks sent by each {b['checkpoint_sends']}, checkpoints written {b['checkpoints']}. "
        f"After the Redis restart: {a['sessions_lost']} of {a['sessions_checked']} sessions lost; "
        f"{THROTTLE + 5} content checks in a row answered {json.dumps(a['throttle'], sort_keys=True)} "
        f"(limit {THROTTLE}/min). verify_audit: {'ok' if r['verify_audit']['ok'] else 'FAILED'}.",
        "",
        "| check | result |",
        "| --- | --- |",
        *[f"| {name} | {'pass' if ok else '**FAIL**'} |" for name, ok in r["checks"].items()],
        "",
    ]
    text = path.read_text() if path.exists() else "# DRILL\n"
    text = re.sub(r"\n## Multi-node drill\n.*", "", text, flags=re.S).rstrip("\n") + "\n\n"
    path.write_text(text + "\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=180, help="how long the load runs (the faults are in it)")
    parser.add_argument("--authors", type=int, default=3)
    parser.add_argument("--reviewers", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per web node")
    parser.add_argument("--second-beat", type=int, default=60, help="seconds the second beat runs")
    parser.add_argument("--drain-limit", type=int, default=300, help="seconds to wait for the outbox to drain")
    parser.add_argument("--report", type=Path, default=None, help="write the figures here, e.g. LOAD.md")
    parser.add_argument("--keep", action="store_true", help="keep the logs (the working directory)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("the drill needs DATABASE_URL=postgres://… (a database of its own)")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")
    sys.path.insert(0, str(ROOT))
    drill = Drill(args)
    try:
        result = drill.run()
    finally:
        drill.close()
    print(json.dumps(result, indent=1, default=str))
    if args.report:
        report(result, args.report, "python -m loadtest.drill " + " ".join(argv or sys.argv[1:]))
    failed = [name for name, ok in result["checks"].items() if not ok]
    for name in failed:
        print(f"drill check failed: {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
