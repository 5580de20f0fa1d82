"""Bar charts of names for the status page (the error rate by backend, the hosts that fail or
rate-limit most): one horizontal bar a name, its parts stacked, on round ticks.

Each name stands on its own line above its bar, the figures at the line's end, so long names
have most of the width; a name that still does not fit is cut with an ellipsis and kept whole
in a ``<title>`` (the tooltip, and what a screen reader reads). A value that is not zero is
drawn at least ``MIN_BAR`` wide, so that it is seen. The SVG scales as a whole (text too), and
takes its colours from ``releasemon/status.css`` like :mod:`~releasemon.operations.charts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from releasemon.operations.charts import ticks

WIDTH = 360
FONT = 12
#: A row: the name's line, the bar, the gap to the next row.
NAME_LINE, BAR, GAP = 16, 12, 10
ROW = NAME_LINE + BAR + GAP
AXIS = 18
MIN_BAR = 3.0
#: Room on either side for the glyphs of labels that end at the first or last tick.
EDGE = 3
#: Room kept between a name and the figures on its line.
SPACING = 12.0


@dataclass(frozen=True)
class Part:
    """One kind of value the bars stack (failed, rate-limited), in the CSS class ``css``."""

    name: str
    css: str


@dataclass(frozen=True)
class Bar:
    """One name's bar: a value per part, and the figures written at the end of its line."""

    name: str
    values: Sequence[float]
    figures: str


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of ``text``'s width in a sans-serif font of ``size``: wide letters
    and capitals count more, narrow ones less (the page's font is not known here)."""
    widths = {"i": 0.3, "l": 0.3, "j": 0.3, ".": 0.32, ",": 0.32, ":": 0.34, " ": 0.32, "-": 0.4}
    wide = {"m": 0.95, "w": 0.85, "M": 0.95, "W": 1.0, "%": 0.95}
    total = 0.0
    for char in text:
        if char in widths:
            total += widths[char]
        elif char in wide:
            total += wide[char]
        elif char.isupper() or not char.isascii():
            total += 0.75
        else:
            total += 0.64
    return total * size


def ellipsised(text: str, room: float, size: float = FONT) -> str:
    """``text``, or as much of its start as fits in ``room`` followed by an ellipsis."""
    if text_width(text, size) <= room:
        return text
    cut = text
    while cut and text_width(cut + "…", size) > room:
        cut = cut[:-1]
    return cut + "…"


def bars(title: str, parts: Sequence[Part], rows: Sequence[Bar], unit: str = "") -> SafeString:
    """A bar per row, its parts stacked from the left in ``parts``' order, on an axis of
    round ticks in ``unit`` (see :func:`~releasemon.operations.charts.ticks`)."""
    axis = ticks(max((sum(row.values) for row in rows), default=0), unit)
    height = len(rows) * ROW + AXIS
    drawn = [
        f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - AXIS}"/>'
        for x in (WIDTH * axis.share(value) for value, _ in axis.ticks)
    ]
    for place, (value, label) in enumerate(axis.ticks):
        anchor = "start" if place == 0 else "end" if place == len(axis.ticks) - 1 else "middle"
        drawn.append(
            f'<text class="label" x="{WIDTH * axis.share(value):.1f}" y="{height - 4}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    for index, row in enumerate(rows):
        drawn.append(_row(index * ROW, row, parts, axis.share, unit))
    svg = (
        f'<svg class="chart bars" viewBox="-{EDGE} 0 {WIDTH + 2 * EDGE} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(drawn)}</svg>'
    )
    keys = "".join(
        format_html('<li><span class="key {}"></span>{}</li>', part.css, part.name)
        for part in parts
    )
    return mark_safe(f'<figure class="chart-box">{svg}<ul class="legend">{keys}</ul></figure>')  # noqa: S308


def _shown(value: float, unit: str) -> str:
    return f"{value:.1%}" if unit == "%" else f"{value:,.10g}"


def _row(
    top: float, row: Bar, parts: Sequence[Part], share: Callable[[float], float], unit: str
) -> str:
    figures_width = text_width(row.figures)
    shown = ellipsised(row.name, WIDTH - figures_width - SPACING)
    name_title = f"<title>{escape(row.name)}</title>" if shown != row.name else ""
    drawn = [
        f'<text class="name" x="0" y="{top + NAME_LINE - 4}">{name_title}{escape(shown)}</text>',
        f'<text class="figures" x="{WIDTH}" y="{top + NAME_LINE - 4}" text-anchor="end">'
        f"{escape(row.figures)}</text>",
    ]
    left = 0.0
    for part, value in zip(parts, row.values, strict=True):
        if not value:
            continue
        width = min(max(WIDTH * share(value), MIN_BAR), max(WIDTH - left, 0.0))
        drawn.append(
            f'<rect class="{part.css}" x="{left:.1f}" y="{top + NAME_LINE}" '
            f'width="{width:.1f}" height="{BAR}"><title>{escape(row.name)}, '
            f"{escape(part.name)}: {_shown(value, unit)}</title></rect>"
        )
        left += width
    return "".join(drawn)
