"""Watching the ``regex`` engine's time limits without timing anything.

``Searches`` wraps compiled patterns so that each ``search`` is recorded with the timeout it was given and
whether it ran out (the real engine still runs, with that timeout). ``FakeClock`` stands in for the
module's ``time`` in ``policies.content``: it moves only by the timeouts that ran out, so a check's budget
is spent the same way on a loaded machine as on an idle one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Search:
    pattern: str
    timeout: float | None
    timed_out: bool


@dataclass
class FakeClock:
    now: float = 1000.0

    def monotonic(self) -> float:
        return self.now


@dataclass
class Searches:
    calls: list[Search] = field(default_factory=list)
    clock: FakeClock | None = None

    def wrap(self, compiled: Any) -> Any:
        return _Watched(compiled, self)

    def of(self, pattern: str) -> list[Search]:
        return [c for c in self.calls if c.pattern == pattern]


class _Watched:
    def __init__(self, compiled: Any, searches: Searches) -> None:
        self._compiled = compiled
        self._searches = searches

    def search(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        try:
            match = self._compiled.search(*args, timeout=timeout, **kwargs)
        except TimeoutError:
            self._searches.calls.append(Search(self._compiled.pattern, timeout, True))
            if self._searches.clock is not None:
                self._searches.clock.now += timeout
            raise
        self._searches.calls.append(Search(self._compiled.pattern, timeout, False))
        return match

    def finditer(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """One recorded search for the whole iteration: the timeout bounds all of it, as in ``regex``."""
        try:
            matches = list(self._compiled.finditer(*args, timeout=timeout, **kwargs))
        except TimeoutError:
            self._searches.calls.append(Search(self._compiled.pattern, timeout, True))
            if self._searches.clock is not None:
                self._searches.clock.now += timeout
            raise
        self._searches.calls.append(Search(self._compiled.pattern, timeout, False))
        return iter(matches)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._compiled, name)
