"""Load test: N concurrent users over the key pages and endpoints, with zero errors allowed.

    DATABASE_URL=postgres://… REDIS_URL=redis://… python -m loadtest.run --seconds 300 --users 50

Starts the app as in production (gunicorn, DEBUG off, PostgreSQL, Redis), seeds the demo data,
signs one person in (a session cookie for the pages, a read token for the API) and drives every
path in turn with wrk. Writes the numbers to LOAD.md (``--report``) and exits 1 on any error:
a non-2xx/3xx answer, a socket error or a timeout. The API throttle is lifted for the run: this
measures capacity, not the rate limit. CI runs the 10-second version (socialgov/tests/test_load.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.run import free_port, start_gunicorn  # the benchmark's own start: gunicorn as in production

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).parent / "mix.lua"
PAGES = ["/", "/notifications/", "/posts/", "/posts/queue/", "/registry/", "/policies/", "/profile/"]
API = ["/api/v1/me/", "/api/v1/posts/", "/api/v1/channels/", "/api/v1/notifications/", "/api/v1/policies/"]


def prepare() -> tuple[str, str]:
    """Migrate, seed the demo, and sign the load-test user in: (cookie header, bearer token)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import Department, User
    from accounts.services import token_create
    from socialgov.middleware import SEEN_AT, SIGNED_IN_AT

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # the manifest storage of DEBUG off
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    user, _ = User.objects.get_or_create(email="loadtest@example.com", defaults={"full_name": "Load test"})
    department = Department.objects.order_by("pk").first()
    if department is not None:
        from accounts.models import Membership

        Membership.objects.get_or_create(user=user, department=department, defaults={"role": "reviewer"})
    from accounts.management.commands.seed_demo import enrol_demo_totp

    enrol_demo_totp(user)  # a reviewer signs in with a second factor: the session below is one that passed it
    store = SessionStore()
    now = int(time.time())
    store.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            SIGNED_IN_AT: now,
            SEEN_AT: now,
        }
    )
    store.create()
    _, key = token_create(actor=user, name=f"loadtest {now}", scope="read")
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}", key


def run(seconds: int, users: int, workers: int) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("loadtest needs wrk: apt-get install -y wrk")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("loadtest needs DATABASE_URL=postgres://… (and REDIS_URL)")
    cookie, token = prepare()
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "API_THROTTLE_USER": "1000000/min",
        "API_THROTTLE_CONTENT_CHECK": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }
    server = start_gunicorn(port, workers, env)
    try:
        paths = " ".join(PAGES + API)
        cmd = ["wrk", "-t", "2", "-c", str(users), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(LUA)]
        cmd += ["-H", f"Cookie: {cookie}", "-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{port}"]
        out = subprocess.run(  # noqa: S603
            cmd, capture_output=True, text=True, check=True, env={**os.environ, "LOADTEST_PATHS": paths}
        ).stdout
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    match = re.search(r"LOADJSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk gave no report:\n{out}")
    result = json.loads(match.group(1))
    result.update(users=users, workers=workers, paths=PAGES + API)
    return result


def report(result: dict, path: Path) -> None:
    ok = result["bad_status"] == 0 and result["socket_errors"] == 0
    path.write_text(
        "# LOAD\n\n"
        f"`python -m loadtest.run --seconds {round(result['seconds'])} --users {result['users']}` "
        f"on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: gunicorn ({result['workers']} sync workers, DEBUG off), "
        f"PostgreSQL, Redis; wrk, {result['users']} connections, over {len(result['paths'])} pages and endpoints "
        f"({', '.join(result['paths'])}).\n\n"
        "| requests | seconds | req/s | p50 ms | p95 ms | p99 ms | max ms | errors (status ≥ 400) | socket errors |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        f"| {result['requests']} | {result['seconds']:.0f} | {result['rps']:.0f} | {result['p50_ms']:.0f} "
        f"| {result['p95_ms']:.0f} | {result['p99_ms']:.0f} | {result['max_ms']:.0f} | {result['bad_status']} "
        f"| {result['socket_errors']} |\n\n"
        f"Statuses: {json.dumps(result['statuses'])}. Result: **{'pass' if ok else 'FAIL'}**.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--report", type=Path, default=None, help="write the numbers here, e.g. LOAD.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")
    # DEBUG off needs a secret key; the harness makes one for its run (the gunicorn it starts inherits it)
    os.environ.setdefault("SECRET_KEY", "loadtest-run-" + secrets.token_urlsafe(40))
    sys.path.insert(0, str(ROOT))
    result = run(args.seconds, args.users, args.workers)
    print(json.dumps(result))
    if args.report:
        report(result, args.report)
    return 0 if result["bad_status"] == 0 and result["socket_errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
