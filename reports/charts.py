"""Server-rendered SVG bar charts: geometry computed here, drawn by ``reports/_chart.html``.

Readable without colour: every series has its own fill pattern (hatching, dots, cross-hatch ...)
as well as its colour, the legend shows the pattern, and each bar carries its value as text
(and a ``<title>`` for screen readers and hover). No JavaScript, no inline styles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

WIDTH = 760
HEIGHT = 320
LEFT = 56
RIGHT = 16
TOP = 16
BOTTOM = 64
PATTERNS = 6  # pattern-0 ... pattern-5 in the template; series beyond reuse them in order
MAX_CATEGORIES = 24


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Any
    label: str
    series: int
    text_y: float


@dataclass
class Chart:
    title: str
    unit: str
    categories: list[str]
    series: list[str]
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom_y: float = HEIGHT - BOTTOM
    right_x: float = WIDTH - RIGHT
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.bars

    @property
    def legend(self) -> list[tuple[int, str]]:
        return [(i % PATTERNS, name) for i, name in enumerate(self.series)]


def nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def bar_chart(title: str, unit: str, categories: list[str], series: dict[str, list[float | None]]) -> Chart:
    """Grouped bars: one group per category, one bar per series (``None`` draws no bar)."""
    truncated = len(categories) > MAX_CATEGORIES
    if truncated:  # the latest categories; the table beside the chart has them all
        categories = categories[-MAX_CATEGORIES:]
        series = {k: v[-MAX_CATEGORIES:] for k, v in series.items()}
    chart = Chart(title=title, unit=unit, categories=categories, series=list(series), truncated=truncated)
    values = [v for vs in series.values() for v in vs if v is not None]
    if not categories or not values:
        return chart
    top_value = nice_max(max(values))
    plot_w = chart.right_x - LEFT
    plot_h = chart.bottom_y - TOP
    group_w = plot_w / len(categories)
    bar_w = group_w * 0.8 / max(len(series), 1)
    for i in range(5):
        v = top_value * i / 4
        chart.ticks.append((chart.bottom_y - plot_h * i / 4, f"{v:g}"))
    for c, name in enumerate(categories):
        chart.x_labels.append((LEFT + group_w * (c + 0.5), name))
        for s, (label, vs) in enumerate(series.items()):
            v = vs[c]
            if v is None:
                continue
            h = plot_h * float(v) / top_value
            x = LEFT + group_w * c + group_w * 0.1 + bar_w * s
            y = chart.bottom_y - h
            chart.bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(y, 1),
                    width=round(max(bar_w - 1, 1), 1),
                    height=round(h, 1),
                    value=f"{v:g}",
                    label=f"{label}, {name}: {v:g} {unit}".strip(),
                    series=s % PATTERNS,
                    text_y=round(y - 3, 1),
                )
            )
    return chart


def pivot(rows: list[list[Any]], category: int, series: int, value: int) -> tuple[list[str], dict[str, list]]:
    """Rows of (category, series, value) into a category list and one list of values per series."""
    categories: list[str] = []
    names: list[str] = []
    cells: dict[tuple[str, str], Any] = {}
    for row in rows:
        c, s = str(row[category]), str(row[series])
        if c not in categories:
            categories.append(c)
        if s not in names:
            names.append(s)
        cells[(c, s)] = (cells.get((c, s)) or 0) + row[value] if isinstance(row[value], int) else row[value]
    return categories, {s: [cells.get((c, s)) for c in categories] for s in names}
