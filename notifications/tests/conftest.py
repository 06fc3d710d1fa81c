"""Real servers on loopback for the notification tests: an HTTP receiver and an SMTP server."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import use_broker
from notifications.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here
from socialgov.celery import app as celery_app

CLOSED_BROKER = "redis://127.0.0.1:1/0"


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver: answers ``status`` after ``delay`` seconds and records every request."""

    status: int = 200
    delay: float = 0.0
    trickle: int = 0  # answer with a body of this many bytes, one every ``delay`` seconds
    requests: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    url: str = ""


def _handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append(Received(self.path, dict(self.headers.items()), raw))
            try:
                if receiver.trickle:
                    self.send_response(receiver.status)
                    self.send_header("Content-Length", str(receiver.trickle))
                    self.end_headers()
                    self.wfile.flush()
                    for _ in range(receiver.trickle):
                        if receiver.stop.wait(receiver.delay):
                            return
                        self.wfile.write(b"x")
                        self.wfile.flush()
                    return
                if receiver.delay:
                    receiver.stop.wait(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the client gave up (timeout tests)

        def log_message(self, format, *args):  # noqa: A002 - keep the test output quiet
            pass

    return Handler


@pytest.fixture
def webhook_receiver():
    """Start a real HTTP server on 127.0.0.1 (random port) in a thread; stop it afterwards."""
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        receiver.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list = field(default_factory=list)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    box = Mailbox(host="127.0.0.1", port=closed_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
            msg = message_from_bytes(envelope.original_content, policy=policy.default)
            box.messages.append({"rcpt": list(envelope.rcpt_tos), "from": envelope.mail_from, "message": msg})
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def broker_down():
    """Point the publishers at a closed port; restore the in-process broker afterwards."""
    use_broker(CLOSED_BROKER)
    try:
        yield CLOSED_BROKER
    finally:
        use_broker("memory://")


@contextmanager
def eager_tasks():
    """Run published tasks in-process while inside (restored afterwards)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = before


@pytest.fixture
def enqueued(monkeypatch):
    """Record what is handed to the broker instead of publishing it: [(task name, args, kwargs)]."""
    from notifications import tasks

    calls: list[tuple[str, tuple, dict]] = []
    for task in (tasks.deliver_email, tasks.deliver_email_batch, tasks.deliver_webhook):

        def fake(args=None, kwargs=None, _name=task.name, **options):
            calls.append((_name, tuple(args or ()), options))

        monkeypatch.setattr(task, "apply_async", fake)
    return calls
