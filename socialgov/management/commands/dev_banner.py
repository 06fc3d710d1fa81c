"""``make run``'s last words: where to sign in, once web, worker and beat are up."""

import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from socialgov.celery import ready_file


class Command(BaseCommand):
    help = "Wait until the web server, the worker and beat are up, print where to sign in, then wait (honcho)."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="where the web server answers, e.g. http://127.0.0.1:8000")
        parser.add_argument("--logins", type=Path, help="seed_demo's output: the demo logins")
        parser.add_argument("--timeout", type=float, default=180)
        parser.add_argument("--no-wait", action="store_true", help="print and return (tests)")

    def handle(self, *args, url, logins, timeout, no_wait, **options):
        started = time.time()
        for sig in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C / honcho's stop: end quietly
            signal.signal(sig, lambda *_: sys.exit(0))
        deadline = time.monotonic() + timeout
        while not (self._web_up(url) and all(self._fresh(ready_file(p), started) for p in ("worker", "beat"))):
            if time.monotonic() > deadline:
                raise CommandError(
                    f"web, worker and beat were not all up within {timeout:.0f} s: see their lines above"
                )
            time.sleep(0.5)
        host = url.split("//", 1)[1].rsplit(":", 1)[0]
        listening = (
            "this machine only (HOST=0.0.0.0 make run to listen on every interface)"
            if host in ("127.0.0.1", "localhost", "[::1]")
            else f"{host}: reachable from other machines"
        )
        lines = [
            "",
            "=" * 72,
            f"socialgov is up at {settings.SITE_URL}/   (web, worker and beat; Ctrl-C stops all three)",
            f"The web server listens on {listening}. E-mails: one line each here, whole in var/mail/.",
        ]
        if logins and logins.exists():
            lines += [line for line in logins.read_text().splitlines() if line.strip() and "Demo data" not in line]
        lines += ["=" * 72, ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
        if not no_wait:
            while True:
                signal.pause()

    @staticmethod
    def _web_up(url: str) -> bool:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 - our own URL
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    @staticmethod
    def _fresh(path: Path, started: float) -> bool:
        # a file left by an earlier run is older than the processes honcho started with this banner
        return path.exists() and path.stat().st_mtime >= started - 30
