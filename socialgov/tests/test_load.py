"""CI's short load run: 10 seconds at 50 users over the key pages and endpoints, zero errors.

The 5-minute run is `python -m loadtest.run --seconds 300 --report LOAD.md` (numbers in LOAD.md).
Needs PostgreSQL, Redis and wrk; it uses its own database, DATABASE_URL's name + "_load".
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.integration
ROOT = Path(settings.BASE_DIR)


def _load_database_url() -> str:
    import psycopg2

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    load_name = f"{name}_load"
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [load_name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{load_name}"')
    admin.close()
    return url.rsplit("/", 1)[0] + "/" + load_name


def test_fifty_users_for_ten_seconds_see_no_error(tmp_path):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        pytest.skip("needs PostgreSQL and Redis: DATABASE_URL=postgres://… REDIS_URL=redis://…")
    if not shutil.which("wrk"):
        pytest.skip("needs wrk: apt-get install -y wrk")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DATABASE_URL=_load_database_url(), SOCIALGOV_VAR_DIR=str(tmp_path), DEBUG="0")

    # when
    run = subprocess.run(
        [sys.executable, "-m", "loadtest.run", "--seconds", "10", "--users", "50"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    # then
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["bad_status"] == 0 and result["socket_errors"] == 0
    assert result["requests"] > 0
