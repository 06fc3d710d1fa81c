"""Deployment hardening: `check --deploy`, security headers, CSP, session lifetime, the admin's gate."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import signing
from socialgov.middleware import SEEN_AT, SIGNED_IN_AT

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-like-secret-" + "q9Z" * 10,
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "ALLOWED_HOSTS": "socialgov.example.com",
    "TRUSTED_PROXY_COUNT": "1",
}


def _production_env(tmp_path) -> dict[str, str]:
    """The test process's environment (database, Redis) minus test-only switches, plus production's."""
    test_only = ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG", "CELERY_TASK_ALWAYS_EAGER")
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env.update(PRODUCTION_ENV, SOCIALGOV_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="socialgov.settings")
    key = tmp_path / "audit-key.pem"  # production signs the audit trail's checkpoints (audit.W001 without)
    if not key.exists():
        key.write_text(signing.generate_pem())
    env.update(AUDIT_SIGNING_KEY_FILE=str(key), AUDIT_CHECKPOINT_DIR=str(tmp_path / "checkpoints"))
    static = tmp_path / "static"  # as collectstatic leaves it, for no files (the README's deployment test runs it)
    static.mkdir(exist_ok=True)
    (static / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    env.update(STATIC_ROOT=str(static))
    return env


def test_check_deploy_passes_with_production_settings(tmp_path):
    # given: settings are read at import, so a fresh process with a production-like environment
    env = _production_env(tmp_path)

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_without_an_audit_signing_key(tmp_path):
    # given: production settings without the key that signs the audit trail's checkpoints
    env = _production_env(tmp_path)
    del env["AUDIT_SIGNING_KEY_FILE"]
    env.pop("AUDIT_SIGNING_KEY", None)

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then: the deployment step fails, naming the setting and how to make a key
    assert result.returncode == 1
    assert "audit.W001" in result.stderr and "audit_keygen" in result.stderr


def test_production_responses_carry_hsts_and_secure_cookies(tmp_path):
    # given: a production-like process answering one request over "https" (behind the proxy)
    env = _production_env(tmp_path)
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from django.conf import settings\n"
        "c = Client(HTTP_X_FORWARDED_PROTO='https', HTTP_HOST='socialgov.example.com')\n"
        "r = c.get('/audit/checkpoints/public-key.pem')\n"
        "print(r.status_code)\n"
        "print(r.headers.get('Strict-Transport-Security'))\n"
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY)\n"
        "r = Client(HTTP_HOST='socialgov.example.com').get('/audit/checkpoints/public-key.pem')\n"
        "print(r.status_code, r.headers.get('Location'))\n"
    )

    # when
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )

    # then
    assert result.returncode == 0, result.stderr
    status, hsts, cookies, plain = result.stdout.strip().splitlines()[-4:]
    assert status == "200"
    assert hsts == "max-age=31536000"  # includeSubDomains and preload only when set (SECURE_HSTS_*)
    assert cookies == "True True True"
    assert plain == "301 https://socialgov.example.com/audit/checkpoints/public-key.pem"  # plain http is redirected


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/"])
def test_pages_send_the_security_headers(client, employee, url):
    # given
    if url == "/":
        client.force_login(employee)

    # when
    response = client.get(url)

    # then
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = _csp(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]  # the MFA enrolment QR code is a data: image
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]


def _csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


TEMPLATE_DIRS = [BASE_DIR / "templates", *sorted(BASE_DIR.glob("*/templates"))]


def _page_templates():
    for root in TEMPLATE_DIRS:
        for path in sorted(root.rglob("*.html")):
            if "/email/" in str(path):  # e-mail bodies are not served under our CSP
                continue
            yield path


def test_no_template_has_an_inline_script_or_style():
    import re

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    offenders = []
    for path in _page_templates():
        text = path.read_text()
        if inline_script.search(text) or re.search(r"\sstyle=\"|<style\b|\son[a-z]+=\"", text, re.I):
            offenders.append(str(path.relative_to(BASE_DIR)))
    assert offenders == []


@pytest.mark.django_db
def test_api_docs_need_no_inline_script(client, employee):
    # given
    client.force_login(employee)

    # when
    page = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs") + "?script=")
    redoc = client.get(reverse("api-redoc"))

    # then: Swagger UI loads its start-up code from a URL; only styles are relaxed on these pages
    assert page.status_code == 200
    body = page.content.decode()
    assert "<script>" not in body.replace(" ", "")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert _csp(page)["script-src"] == ["'self'"]
    assert _csp(page)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert redoc.status_code == 200 and _csp(redoc)["script-src"] == ["'self'"]


# --- Session lifetime ----------------------------------------------------------------


@pytest.mark.django_db
def test_session_expires_after_30_minutes_idle(client, employee, time_machine):
    # given
    time_machine.move_to("2026-01-05 09:00:00+00:00", tick=False)
    client.force_login(employee)
    assert client.get("/").status_code == 200

    # when: 29 minutes later it is still alive (and the expiry slides forward) ...
    time_machine.move_to("2026-01-05 09:29:00+00:00", tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to("2026-01-05 09:58:00+00:00", tick=False)
    assert client.get("/").status_code == 200
    # ... but 31 idle minutes end it
    time_machine.move_to("2026-01-05 10:29:01+00:00", tick=False)
    response = client.get("/")

    # then
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_session_ends_12_hours_after_sign_in_however_active(client, employee, time_machine):
    # given
    time_machine.move_to("2026-01-05 08:00:00+00:00", tick=False)
    client.force_login(employee)

    # when: active every 20 minutes for 12 hours
    moment = time.time()
    for _ in range(35):
        moment += 20 * 60
        time_machine.move_to(moment, tick=False)
        assert client.get("/").status_code == 200
    time_machine.move_to(moment + 20 * 60 + 1, tick=False)  # 12 h 0 min 1 s after sign-in
    response = client.get("/")

    # then
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_session_is_written_at_most_once_a_minute(client, employee, django_assert_num_queries, time_machine):
    # given
    time_machine.move_to("2026-01-05 09:00:00+00:00", tick=False)
    client.force_login(employee)
    client.get("/")
    with CaptureQueriesContext(connection) as first:
        client.get("/")

    # when: another request within the minute (and within the bell's and the banner's time in the cache) costs
    # the same; one after it adds the session write
    time_machine.move_to("2026-01-05 09:00:20+00:00", tick=False)
    with django_assert_num_queries(len(first)):
        client.get("/")
    time_machine.move_to("2026-01-05 09:01:31+00:00", tick=False)
    with CaptureQueriesContext(connection) as refreshed:
        client.get("/")
    assert len(refreshed) > len(first)

    # then
    assert any("UPDATE" in q["sql"] and "django_session" in q["sql"] for q in refreshed.captured_queries)
    assert client.session[SEEN_AT] == int(time.time())
    assert client.session[SIGNED_IN_AT] < client.session[SEEN_AT]


# --- The admin ---------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_signs_in_through_allauth(client):
    # when
    response = client.get("/admin/login/?next=/admin/")

    # then: the admin's own login form is replaced by allauth's (rate limits, MFA step)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_admin_requires_mfa_for_staff(client, groups):
    # given: staff who have not enrolled in two-factor sign-in
    from accounts.tests.factories import UserFactory

    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)

    # when
    response = client.get("/admin/")

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.django_db
def test_admin_login_is_rate_limited(client, employee):
    from accounts.tests.factories import PASSWORD

    # when: repeated wrong passwords at the login the admin uses
    statuses = [
        client.post(reverse("account_login"), {"login": employee.email, "password": "wrong-password"}).status_code
        for _ in range(12)
    ]

    # then: allauth's login rate limit refuses further attempts before long
    assert statuses[-1] in (200, 429)
    refused = client.post(reverse("account_login"), {"login": employee.email, "password": PASSWORD})
    assert "Too many failed login attempts" in refused.content.decode() or refused.status_code == 429
