"""Charts for the status page, drawn on the server as inline SVG: no script, no CDN, nothing
to download but the page. Colours come from CSS classes (``releasemon/status.css``), so the
charts follow the admin's light and dark themes. Every chart has a title for screen readers;
the page shows the figures in tables beside them too.

All text that reaches the SVG is escaped (backend and host names come from users).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 960, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28


@dataclass(frozen=True)
class Series:
    """One named row of values, one per hour, drawn with the CSS class ``css``."""

    name: str
    css: str
    values: Sequence[float | None]


def _nice_ceiling(value: float) -> float:
    """The axis' top: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _short(value: float) -> str:
    """At most three significant digits, no trailing zeros: 2.08, 12.5, 125."""
    return f"{value:.3g}"


def _number(value: float, unit: str) -> str:
    if unit == "s":
        if value >= 7200:
            return f"{_short(value / 3600)} h"
        if value >= 120:
            return f"{_short(value / 60)} min"
        return f"{_short(value)} s"
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _frame(hours: Sequence[dt.datetime], top: float, unit: str) -> list[str]:
    """Axes, gridlines and labels: the y axis from 0 to ``top``, a tick on each midnight."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = []
    for step in range(5):
        value = top * step / 4
        y = TOP + plot_h - plot_h * step / 4
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="label" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(value, unit))}</text>"
        )
    slot = plot_w / max(len(hours), 1)
    for index, hour in enumerate(hours):
        if hour.hour == 0:
            x = LEFT + index * slot
            parts.append(
                f'<line class="tick" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>'
                f'<text class="label" x="{x + 3:.1f}" y="{HEIGHT - 8}">'
                f"{escape(hour.strftime('%a %d'))}</text>"
            )
    return parts


def _svg(title: str, parts: list[str], legend: Sequence[Series]) -> SafeString:
    keys = "".join(
        format_html('<li><span class="key {}"></span>{}</li>', series.css, series.name)
        for series in legend
    )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'preserveAspectRatio="none" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
    return mark_safe(f'<figure class="chart-box">{svg}<ul class="legend">{keys}</ul></figure>')  # noqa: S308


def stacked_bars(
    title: str, hours: Sequence[dt.datetime], series: Sequence[Series], unit: str = ""
) -> SafeString:
    """One bar an hour, the series stacked in order from the bottom."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(hours))]
    top = _nice_ceiling(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(hours), 1)
    parts = _frame(hours, top, unit)
    for index, hour in enumerate(hours):
        base = float(TOP + plot_h)
        for s in series:
            value = s.values[index] or 0
            if not value:
                continue
            height = plot_h * value / top
            base -= height
            parts.append(
                f'<rect class="{s.css}" x="{LEFT + index * slot:.1f}" y="{base:.1f}" '
                f'width="{max(slot - 0.5, 0.5):.1f}" height="{height:.1f}">'
                f"<title>{escape(hour.strftime('%Y-%m-%d %H:00'))} UTC, "
                f"{escape(s.name)}: {value:g}</title></rect>"
            )
    return _svg(title, parts, series)


def lines(
    title: str, hours: Sequence[dt.datetime], series: Sequence[Series], unit: str = ""
) -> SafeString:
    """One line a series; an hour without a value (None) breaks the line."""
    values = [v for s in series for v in s.values if v is not None]
    top = _nice_ceiling(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(hours), 1)
    parts = _frame(hours, top, unit)
    for s in series:
        runs: list[list[str]] = [[]]
        for index, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            x = LEFT + index * slot + slot / 2
            y = TOP + plot_h - plot_h * value / top
            runs[-1].append(f"{x:.1f},{y:.1f}")
        for run in runs:
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle class="{s.css}" cx="{cx}" cy="{cy}" r="2"/>')
            elif run:
                parts.append(f'<polyline class="{s.css}" points="{" ".join(run)}"/>')
    return _svg(title, parts, series)
