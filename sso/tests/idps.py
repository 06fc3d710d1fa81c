"""Real identity providers for the tests, started on loopback: oidc-provider (npm, testidp/oidc.mjs) and pysaml2's
IdP (testidp/saml_idp.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTIDP = ROOT / "testidp"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(message: str):
    if IN_CI:
        pytest.fail(message)  # in CI a real IdP must run, never skip
    pytest.skip(message)


class Server:
    def __init__(self, args: list[str], cwd: Path):
        self.proc = subprocess.Popen(
            args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
        )
        line = self.proc.stdout.readline()
        while line and not line.startswith("READY "):
            line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise RuntimeError(f"IdP did not start: {self.proc.stderr.read()}")
        self.url = line.split()[1].strip()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


def start_oidc(*, clients: list[dict], accounts: dict[str, dict]) -> Server:
    node = shutil.which("node")
    if node is None or not (TESTIDP / "node_modules" / "oidc-provider").exists():
        _missing("The test OIDC provider needs node and `npm ci --prefix testidp` (make test does it).")
    config = {"port": 0, "clients": clients, "accounts": accounts}
    return Server([node, str(TESTIDP / "oidc.mjs"), json.dumps(config)], TESTIDP)


def start_saml(config: dict) -> Server:
    if shutil.which("xmlsec1") is None:
        _missing("The test SAML IdP (pysaml2) needs xmlsec1: apt-get install -y xmlsec1 (.ci/run does it).")
    return Server([sys.executable, str(TESTIDP / "saml_idp.py"), json.dumps(config)], TESTIDP)
