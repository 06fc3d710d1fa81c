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
        "django.core.mail.backends.console.EmailBackend",
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
