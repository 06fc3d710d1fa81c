"""The German and French catalogues: every message marked in the code is there, translated, not fuzzy, with its
placeholders intact; and the catalogues are not stale (makemessages run on the code as it is finds nothing new).

README, "Languages": `make messages` updates the catalogues, then translate what it added."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en-gb"]
# What the copy for makemessages leaves out (it reads only the code people see pages from; see the command)
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "testidp",
    "var",
    "staticfiles",
    "test-artifacts",
    ".pytest_cache",
    "*.mo",
    "__pycache__",
    ".ruff_cache",
)
# Without GNU gettext the tests that run it skip, except in CI (CI=true), where that fails the run, as a missing
# browser does.
NO_GETTEXT = shutil.which("xgettext") is None and not os.environ.get("CI")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (index -> text), flags; obsolete ones left out."""
    entries: list[dict] = []
    entry: dict | None = None
    key: tuple | None = None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = {"msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set(), "where": ""}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#:"):
            entry["where"] = line[2:].strip()
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += text
            else:
                entry[key[0]] = (entry[key[0]] or "") + text
        else:
            word, _, value = line.partition(" ")
            text = ast.literal_eval(value)
            if word.startswith("msgstr"):
                index = int(word[7:-1]) if "[" in word else 0
                key = ("msgstr", index)
                entry["msgstr"][index] = text
            elif word in ("msgid", "msgid_plural", "msgctxt"):
                key = (word,)
                entry[word] = text
    return [e for e in entries if e["msgid"]]  # the header has none


def catalogue(language: str) -> Path:
    return ROOT / "locale" / language / "LC_MESSAGES" / "django.po"


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def placeholders_kept(entry: dict) -> bool:
    """Each translation names the placeholders its English names (a plural form may leave out the count:
    "une notification")."""
    english = placeholders(entry["msgid"]) | placeholders(entry["msgid_plural"] or "")
    if entry["msgid_plural"] is None:
        return all(placeholders(text) == english for text in entry["msgstr"].values())
    return all(english - {"count"} <= placeholders(text) <= english for text in entry["msgstr"].values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_not_fuzzy_placeholders_intact(language):
    entries = parse_po(catalogue(language))
    assert len(entries) > 100, "the catalogue holds the marked messages"
    untranslated = [e["msgid"] for e in entries if not e["msgstr"] or not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    broken = [e["msgid"] for e in entries if not placeholders_kept(e)]
    assert untranslated == [], f"untranslated in locale/{language}: {untranslated}"
    assert fuzzy == [], f"fuzzy (check and clear the flag) in locale/{language}: {fuzzy}"
    assert broken == [], f"placeholders changed in locale/{language}: {broken}"


def test_the_parser_sees_an_untranslated_and_a_fuzzy_message(tmp_path):
    # given: what msgmerge leaves for a new message and for a changed one
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: de\\n"\n\n#: a.py\nmsgid "New"\nmsgstr ""\n\n'
        '#: b.py\n#, fuzzy, python-format\n#| msgid "Old %(x)s"\nmsgid "Changed %(x)s"\nmsgstr "Alt %(x)s"\n\n'
        '#: c.py\nmsgid "One"\nmsgid_plural "Many"\nmsgstr[0] "Eins"\nmsgstr[1] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n',
        encoding="utf-8",
    )
    # when
    entries = {e["msgid"]: e for e in parse_po(po)}
    # then
    assert set(entries) == {"New", "Changed %(x)s", "One"}
    assert entries["New"]["msgstr"] == {0: ""}
    assert "fuzzy" in entries["Changed %(x)s"]["flags"]
    assert entries["One"]["msgstr"] == {0: "Eins", 1: ""}
    assert placeholders_kept(entries["Changed %(x)s"])
    assert not placeholders_kept({**entries["Changed %(x)s"], "msgstr": {0: "Geändert %(y)s"}})


@pytest.mark.skipif(NO_GETTEXT, reason="GNU gettext is not installed (apt-get install gettext)")
def test_the_catalogues_hold_exactly_what_the_code_marks(tmp_path):
    # given: a copy of the code and its catalogues
    copy = tmp_path / "code"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED, symlinks=False)
    # when: makemessages runs there as `make messages` does
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *(f"--locale={code}" for code in LANGUAGES), "--verbosity=0"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "catalogue-test-only-" + "x" * 40, "DEBUG": "1"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # then: it finds no message the committed catalogues lack, and none they hold is gone from the code
    for code in LANGUAGES:
        committed = {(e["msgid"], e["msgid_plural"]) for e in parse_po(catalogue(code))}
        fresh = parse_po(copy / "locale" / code / "LC_MESSAGES" / "django.po")
        found = {(e["msgid"], e["msgid_plural"]) for e in fresh}
        assert sorted(found - committed) == [], f"marked in the code, missing from locale/{code}: run `make messages`"
        assert sorted(committed - found) == [], f"in locale/{code}, no longer in the code: run `make messages`"
        assert [e["msgid"] for e in fresh if "fuzzy" in e["flags"]] == []


@pytest.mark.skipif(NO_GETTEXT, reason="GNU gettext is not installed (apt-get install gettext)")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_compiles_with_its_formats_checked(language):
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(catalogue(language))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
