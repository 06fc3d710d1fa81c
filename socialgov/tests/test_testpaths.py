"""`make test` runs pytest with pytest.ini's testpaths: an app whose tests are not listed there is never run."""

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_app_with_tests_is_in_testpaths():
    ini = configparser.ConfigParser()
    ini.read(ROOT / "pytest.ini")
    listed = set(ini["pytest"]["testpaths"].split())
    with_tests = {p.parent.name for p in ROOT.glob("*/tests") if p.is_dir() and any(p.glob("test_*.py"))}
    assert with_tests - listed == set()
