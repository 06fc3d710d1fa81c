"""Fold text so look-alike spellings compare equal, keeping where each folded character came from.

``fold(text)`` is the "skeleton" lexicon rules compare: compatibility decomposition
(NFKD: full-width and mathematical letters, ligatures), combining marks dropped
(accents), invisible format characters dropped (zero-width spaces and joiners,
soft hyphens, bidi controls), case folded, and non-ASCII look-alikes of ASCII
letters and digits (Cyrillic "а", Greek "ο" ...) replaced by them, using the
Unicode confusables data shipped by ``confusable-homoglyphs``.

Every step works one character at a time, so text that is NFKC-equivalent folds
to the same skeleton (the property tests check this).
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from confusable_homoglyphs import utils as confusable_data


@cache
def _confusable_table() -> dict[str, str]:
    """Non-ASCII character -> the ASCII letter or digit it can pass for."""
    table: dict[str, str] = {}
    for char, glyphs in confusable_data.load("confusables.json").items():
        if len(char) != 1 or char.isascii():
            continue
        ascii_like = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()]
        letters = [c for c in ascii_like if c.isalpha()] or ascii_like
        if letters:
            table[char] = letters[0].lower()
    return table


def _dropped(char: str) -> bool:
    return unicodedata.combining(char) != 0 or unicodedata.category(char) in ("Mn", "Me", "Cf")


@lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    table = _confusable_table()
    out = []
    for c in unicodedata.normalize("NFKD", char):
        if _dropped(c):
            continue
        for d in unicodedata.normalize("NFKD", c.casefold()):
            if _dropped(d):
                continue
            out.append(table.get(d, d))
    return "".join(out)


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """The skeleton of ``text`` and, for each of its characters, the index in ``text`` it came from."""
    parts: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = fold_char(char) if not char.isascii() else char.lower()
        parts.append(folded)
        origin.extend([i] * len(folded))
    return "".join(parts), origin


def fold(text: str) -> str:
    return fold_with_map(text)[0]
