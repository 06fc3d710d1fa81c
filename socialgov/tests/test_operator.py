"""Operator readiness (issue 16): the documented settings work as written, proxies, probes, deployment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
MANAGE = str(BASE_DIR / "manage.py")
A_KEY = "operator-test-" + "k3y" * 16
# documented for the test suite, read by the tests themselves rather than by settings
TEST_ONLY = {"CHROMIUM_PATH"}


def _bare_env(**extra: str) -> dict[str, str]:
    """A new operator's environment: nothing of socialgov's set, apart from ``extra``."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env.update(DJANGO_SETTINGS_MODULE="socialgov.settings", **extra)
    return env


def _manage(*args: str, cwd: Path, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, MANAGE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


# --- .env.example ----------------------------------------------------------------------------


def test_env_example_copied_as_it_is_passes_the_checks(tmp_path):
    # given: `cp .env.example .env` in a fresh directory, and the secret key the file says to set
    shutil.copy(BASE_DIR / ".env.example", tmp_path / ".env")
    env = _bare_env(SOCIALGOV_ENV_FILE=str(tmp_path / ".env"), SECRET_KEY=A_KEY)
    show = (
        "from django.conf import settings as s;"
        "print(s.SESSION_IDLE_TIMEOUT, s.DEBUG, s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1],"
        " s.VAR_DIR, s.MEDIA_ROOT, s.EMAIL_BACKEND, s.SECRET_KEY == " + repr(A_KEY) + ")"
    )

    # when
    check = _manage("check", "--fail-level", "WARNING", cwd=tmp_path, env=env)
    shown = _manage("shell", "-v", "0", "-c", show, cwd=tmp_path, env=env)

    # then: every value is read as written (no comment text in it)
    assert check.returncode == 0, check.stdout + check.stderr
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [
        "1800",
        "False",
        "FileBasedCache",
        str(tmp_path / "var"),
        str(tmp_path / "var" / "media"),
        "core.mail.ConsoleBackend",
        "True",
    ]


def test_var_directory_named_in_the_env_file_is_used(tmp_path):
    # given
    (tmp_path / ".env").write_text(f"SOCIALGOV_VAR_DIR={tmp_path / 'elsewhere'}\nSECRET_KEY={A_KEY}\n")
    env = _bare_env(SOCIALGOV_ENV_FILE=str(tmp_path / ".env"))

    # when
    shown = _manage(
        "shell", "-v", "0", "-c", "from django.conf import settings as s; print(s.VAR_DIR)", cwd=tmp_path, env=env
    )

    # then
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == str(tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere").is_dir()


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({}, "SECRET_KEY"),  # DEBUG off, no key
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY"),
        ({"SECRET_KEY": "insecure-dev-key-change-me-" + "x" * 32}, "SECRET_KEY"),  # the development key
        ({"SECRET_KEY": A_KEY, "SESSION_IDLE_TIMEOUT": "1800  # seconds"}, "SESSION_IDLE_TIMEOUT"),
        ({"SECRET_KEY": A_KEY, "TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
    ],
)
def test_a_bad_setting_stops_with_a_message_naming_it(tmp_path, extra, named):
    # given
    env = _bare_env(SOCIALGOV_ENV_FILE=str(tmp_path / "none.env"), SOCIALGOV_VAR_DIR=str(tmp_path), **extra)

    # when
    result = _manage("check", cwd=tmp_path, env=env)

    # then
    assert result.returncode == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_development_key_is_used_with_debug_on(tmp_path):
    env = _bare_env(SOCIALGOV_ENV_FILE=str(tmp_path / "none.env"), SOCIALGOV_VAR_DIR=str(tmp_path), DEBUG="1")
    assert _manage("check", cwd=tmp_path, env=env).returncode == 0


def _settings_variables() -> set[str]:
    source = (BASE_DIR / "socialgov" / "settings.py").read_text()
    return set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def _env_example_variables() -> set[str]:
    text = (BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=", text, re.M))


def _readme_variables() -> set[str]:
    readme = (BASE_DIR / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1]))
    return names


def test_every_variable_settings_read_is_documented_in_both_places():
    read = _settings_variables()
    assert {"DEBUG", "SECRET_KEY", "SOCIALGOV_VAR_DIR", "MEDIA_ROOT", "CORPORATE_EMAIL_DOMAINS"} <= read
    assert _env_example_variables() - TEST_ONLY == read
    assert _readme_variables() - TEST_ONLY == read


# --- Proxy trust -----------------------------------------------------------------------------

PROXY = "10.0.0.5"  # the reverse proxy every request arrives from


def _failed_logins(client, count: int, forwarded: bool) -> list[bool]:
    """Whether each attempt was refused by the rate limit."""
    from django.urls import reverse

    statuses = []
    for n in range(count):
        extra = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n + 1}"} if forwarded else {}
        response = client.post(
            reverse("account_login"),
            {"login": f"made-up-{n}@example.com", "password": "wrong-password-1"},
            REMOTE_ADDR=PROXY,
            **extra,
        )
        statuses.append("Too many failed login attempts" in response.content.decode())
    return statuses


@pytest.mark.django_db
def test_behind_a_trusted_proxy_login_limits_count_per_real_client(client, employee, settings):
    from django.urls import reverse

    from accounts.tests.factories import PASSWORD

    # given: one proxy in front, and 11 failed logins for made-up accounts from 11 clients behind it
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _failed_logins(client, 11, forwarded=True)

    # when: the real owner signs in from their own address, through the same proxy
    response = client.post(
        reverse("account_login"),
        {"login": employee.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )

    # then
    assert "Too many failed login attempts" not in response.content.decode()
    assert response.status_code == 302


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(client, employee):
    from django.urls import reverse

    from audit.selectors import trail

    # given: no proxy trusted (the default); each attempt claims another address
    assert settings.TRUSTED_PROXY_COUNT == 0

    # when
    statuses = _failed_logins(client, 11, forwarded=True)
    client.force_login(employee)
    client.post(
        "/profile/", {"name": "ci", "scope": "read", "days": 30}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    third = client.get(reverse("account_login"), HTTP_X_FORWARDED_PROTO="https")

    # then: the connection's address is counted (the 11th is refused) and recorded; the scheme stays http
    assert statuses == [False] * 10 + [True]
    assert trail().get(action="token.created").ip == PROXY
    assert third.wsgi_request.is_secure() is False


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_audit_trail_and_throttles_use_the_real_client(client, employee, settings):
    from rest_framework.test import APIRequestFactory

    from audit.selectors import trail
    from core.api.throttling import AnonRateThrottle

    # given
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client.force_login(employee)

    # when: the client forges an entry; the proxy appends the address it saw
    client.post(
        "/profile/",
        {"name": "ci", "scope": "read", "days": 30},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
    )
    request = APIRequestFactory().get("/api/v1/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    short = APIRequestFactory().get("/api/v1/", REMOTE_ADDR=PROXY)

    # then
    assert trail().get(action="token.created").ip == "203.0.113.7"
    assert AnonRateThrottle().get_ident(request) == "203.0.113.9"
    assert AnonRateThrottle().get_ident(short) == PROXY  # straight to the app: the connection's address


# --- Probes ----------------------------------------------------------------------------------


def _production_process(tmp_path, script: str, quiet: bool = True) -> list[str]:
    env = _bare_env(
        SOCIALGOV_ENV_FILE=str(tmp_path / "none.env"),
        SOCIALGOV_VAR_DIR=str(tmp_path),
        SECRET_KEY=A_KEY,
        ALLOWED_HOSTS="socialgov.example.com",
        SECURE_SSL_REDIRECT="True",
        SECURE_COOKIES="True",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\nfrom django.test import Client\n" + script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    if quiet:
        assert "DisallowedHost" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.stdout.split()


def test_probes_answer_over_plain_http_and_by_ip_and_nothing_else_does(tmp_path):
    # given: production settings with the HTTPS redirect and one allowed host
    probes = (
        "c = Client(HTTP_HOST='10.1.2.3:8000')\n"
        "print(c.get('/healthz').status_code, c.get('/readyz').status_code, c.head('/healthz').status_code)\n"
    )
    others = (  # the error pages link static files: as in the tests, without the manifest
        "from django.test.utils import override_settings\n"
        "override_settings(STORAGES={'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}).enable()\n"
        "print(Client(HTTP_HOST='10.1.2.3:8000').get('/audit/checkpoints/public-key.pem').status_code)\n"
        "print(Client(HTTP_HOST='socialgov.example.com').get('/audit/checkpoints/public-key.pem').status_code)\n"
        "print(Client(HTTP_HOST='socialgov.example.com').get('/healthz/x').status_code)\n"
    )

    # when
    healthz, readyz, head = _production_process(tmp_path, probes)  # and nothing in the log
    by_ip, plain, other = _production_process(tmp_path, others, quiet=False)

    # then: the probes answer 200; any other path by IP is refused, over plain HTTP redirected
    assert (healthz, readyz, head) == ("200", "200", "200")
    assert by_ip == "400"
    assert plain == "301"
    assert other == "301"


# --- Static files ----------------------------------------------------------------------------


def test_debug_off_without_collected_static_files_refuses_to_start(tmp_path):
    # given: production settings, and static files never collected (STATIC_ROOT elsewhere)
    env = _bare_env(
        SOCIALGOV_ENV_FILE=str(tmp_path / "none.env"),
        SOCIALGOV_VAR_DIR=str(tmp_path),
        SECRET_KEY=A_KEY,
        STATIC_ROOT=str(tmp_path / "static"),
    )
    start = "import socialgov.wsgi\n"

    # when: the web server loads the application; the deployment check
    wsgi = subprocess.run(
        [sys.executable, "-c", start], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    deploy = _manage("check", "--deploy", cwd=tmp_path, env=env)

    # then: it stops at once, saying what to run (rather than answering 500 on every page)
    assert wsgi.returncode == 1
    assert "Static files are not collected" in wsgi.stderr and "collectstatic --noinput" in wsgi.stderr
    assert deploy.returncode == 1 and "socialgov.E001" in deploy.stderr


# --- The README's deployment, as written -----------------------------------------------------


def _readme_deployment() -> list[str]:
    """The README's deployment commands, one per line (continuations joined, comments kept for bash)."""
    readme = (BASE_DIR / "README.md").read_text()
    block = readme.split("## Deployment", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers: str) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def deployment_database():
    """An empty PostgreSQL database beside the test database, dropped afterwards."""
    import psycopg2
    from django.db import connection

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and Redis: run with DATABASE_URL=postgres://… REDIS_URL=redis://…")
    db = connection.settings_dict
    name = f"{db['NAME']}_deploy_{os.getpid()}"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    admin = psycopg2.connect(dbname="postgres", password=db.get("PASSWORD") or None, **params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (":" + db["PASSWORD"] if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.integration
@pytest.mark.postgres
def test_readme_deployment_steps_run_as_written(tmp_path, deployment_database):
    import shlex
    import signal
    import time

    import redis

    # given: the README's lines, with this machine's values for the placeholders and the paths
    broker = os.environ.get("TEST_WORKER_BROKER_URL", "redis://127.0.0.1:6379/14")
    redis.Redis.from_url(broker).flushdb()
    port = _free_port()
    values = {
        "SECRET_KEY=…": f"SECRET_KEY={A_KEY}",
        "DATABASE_URL=postgres://…": f"DATABASE_URL={deployment_database}",
        "REDIS_URL=redis://…": f"REDIS_URL={broker}",
        "EMAIL_URL=smtp+tls://…": "EMAIL_URL=smtp://127.0.0.1:1",
        "/etc/socialgov/": f"{tmp_path}/",
        "/mnt/audit-checkpoints": str(tmp_path / "checkpoints"),
        "127.0.0.1:8000": f"127.0.0.1:{port}",
    }
    lines = _readme_deployment()
    for placeholder, value in values.items():
        assert any(placeholder in line for line in lines), placeholder  # the README still says it this way
        lines = [line.replace(placeholder, value) for line in lines]
    export, *commands = lines
    assert export.startswith("export ")
    env = _bare_env(
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        SOCIALGOV_ENV_FILE=str(tmp_path / "none.env"),
        SOCIALGOV_VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),  # collectstatic's output, away from the working copy
    )
    env.pop("DJANGO_SETTINGS_MODULE")
    env.update(dict(word.split("=", 1) for word in shlex.split(export)[1:]))

    # when: each step in turn; the servers in the background
    servers = []
    try:
        for command in commands:
            if command.startswith("pip install"):
                continue  # this environment is the installed one
            if command.startswith(("gunicorn", "celery")):
                name = command.split()[0] + ("-" + command.split()[3] if command.startswith("celery") else "")
                log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
                servers.append(
                    (
                        name,
                        log,
                        subprocess.Popen(  # noqa: S602
                            command,
                            shell=True,
                            cwd=BASE_DIR,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        ),
                    )
                )
                continue
            step = subprocess.run(  # noqa: S602
                command, shell=True, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600
            )
            assert step.returncode == 0, f"{command}\n{step.stdout}\n{step.stderr}"
            assert "WARNINGS" not in step.stderr + step.stdout, command

        def logs() -> dict[str, str]:
            return {name: (tmp_path / f"{name}.log").read_text() for name, _, _ in servers}

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            up = logs()
            if "ready." in up["celery-worker"] and "beat: Starting" in up["celery-beat"]:
                try:
                    if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.5)
        else:
            pytest.fail(f"the servers did not come up:\n{logs()}")
        site = {"Host": "socialgov.example.com"}
        proxied = {**site, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
        healthz = _get(f"http://127.0.0.1:{port}/healthz")  # by IP, plain HTTP
        readyz = _get(f"http://127.0.0.1:{port}/readyz")
        sign_in = _get(f"http://127.0.0.1:{port}/accounts/login/", **proxied)
        plain = _get(f"http://127.0.0.1:{port}/accounts/login/", **site)
    finally:
        for _, _log, process in servers:
            os.killpg(process.pid, signal.SIGTERM)
        for _, log, process in servers:
            process.wait(timeout=30)
            log.close()
        redis.Redis.from_url(broker).flushdb()

    # then
    assert healthz == (200, '{"status": "ok"}')
    assert readyz[0] == 200, readyz
    assert sign_in[0] == 200 and "Sign in" in sign_in[1]
    assert plain[0] == 301
    assert "ERROR" not in logs()["gunicorn"]


# --- Logs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_log_format_json_gives_one_object_a_line(tmp_path, log_format):
    import json

    # given: a process answering a request and a signed-in person's request, logging as configured
    script = (
        "from django.test.utils import override_settings\n"
        "override_settings(STORAGES={'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}).enable()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from accounts.models import User\n"
        "person = User.objects.create_user(email='p@example.com', password='a-long-passphrase-1')\n"
        "c = Client(HTTP_HOST='localhost')\n"
        "c.get('/accounts/login/', HTTP_X_REQUEST_ID='req-0123456789')\n"
        "c.force_login(person)\n"
        "c.get('/profile/')\n"
        "print(person.pk)\n"
    )
    env = _bare_env(
        SOCIALGOV_ENV_FILE=str(tmp_path / "none.env"),
        SOCIALGOV_VAR_DIR=str(tmp_path),
        SECRET_KEY=A_KEY,
        LOG_FORMAT=log_format,
        MFA_REQUIRED_ROLES="staff",
    )

    # when
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\nfrom django.test import Client\n" + script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    # then
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and "UserWarning" not in line]
    if log_format == "text":
        assert any(" INFO socialgov.request GET /accounts/login/ 200 " in line for line in lines), lines
        return
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(records) == len([line for line in lines if not line.startswith(" ")]), lines
    requests = [r for r in records if r["logger"] == "socialgov.request"]
    login, profile = requests[-2:]
    assert {"time", "level", "event", "request_id", "person_id", "method", "path", "status", "duration_ms"} <= set(
        login
    )
    assert (login["request_id"], login["method"], login["path"], login["status"]) == (
        "req-0123456789",
        "GET",
        "/accounts/login/",
        200,
    )
    assert login["person_id"] is None and login["level"] == "info"
    assert profile["person_id"] == int(result.stdout.split()[-1]) and profile["status"] == 200


# --- make run --------------------------------------------------------------------------------


def test_console_email_is_one_line_with_the_whole_message_in_a_file(settings, tmp_path):
    import io

    from django.core.mail import EmailMultiAlternatives

    from core.mail import ConsoleBackend

    # given
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    messages = [
        EmailMultiAlternatives("Please review “Launch”", "Body one\nline two", "s@example.com", ["a@example.com"]),
        EmailMultiAlternatives("Digest", "Body two", "s@example.com", ["b@example.com", "c@example.com"]),
    ]
    messages[0].attach_alternative("<p>Body one</p>", "text/html")

    # when
    sent = ConsoleBackend(stream=out).send_messages(messages)

    # then
    lines = out.getvalue().splitlines()
    assert sent == 2 and len(lines) == 2
    assert lines[0].startswith("e-mail to a@example.com: Please review “Launch” (")
    assert lines[1].startswith("e-mail to b@example.com, c@example.com: Digest (")
    kept = Path(lines[0].rsplit("(", 1)[1].rstrip(")"))
    assert kept.parent == tmp_path / "mail"
    assert "Body one" in kept.read_text() and "<p>Body one</p>" in kept.read_text()


def test_dev_banner_waits_for_web_worker_and_beat_then_prints_the_logins(settings, tmp_path):
    import io
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from django.core.management import call_command

    from socialgov.celery import ready_file

    class Healthz(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    # given: a web server that answers, a worker up; beat comes up a moment later
    settings.VAR_DIR = tmp_path
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    logins = tmp_path / "demo-logins.txt"
    logins.write_text("Demo data ready.\nSign in at http://localhost:8000/accounts/login/ as:\n  admin@example.com\n")
    ready_file("worker").parent.mkdir(parents=True)
    ready_file("worker").write_text("1")
    threading.Timer(1.0, lambda: ready_file("beat").write_text("2")).start()
    out = io.StringIO()

    # when
    try:
        call_command(
            "dev_banner", url=f"http://127.0.0.1:{server.server_address[1]}", logins=logins, no_wait=True, stdout=out
        )
    finally:
        server.shutdown()

    # then: printed once beat was up, with the logins and where the server listens
    assert ready_file("beat").exists()  # it waited for beat
    text = out.getvalue()
    assert "socialgov is up at" in text and "admin@example.com" in text and "Demo data" not in text
    assert "listens on this machine only" in text
