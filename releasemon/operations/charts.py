"""Charts over the hours of the status page, drawn on the server: no script, no CDN, nothing
to download but the page. The bars and lines are an inline SVG stretched to the width of the
page; the axes' labels are HTML beside it, so that no text is squeezed on a phone. Colours come
from CSS classes (``releasemon/status.css``), so the charts follow the admin's light and dark
themes. Every chart has a title for screen readers; the page shows the figures too.

The bar charts of names (backends, hosts) are in :mod:`~releasemon.operations.bars`; the round
ticks both use are :func:`ticks`. All text that reaches the page is escaped (backend and host
names come from users).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

#: The plot's own units: ``SLOT`` per hour across, ``TALL`` from the axis to the top tick.
SLOT, TALL = 10, 1000
#: A day shorter than this many hours at either end of the week gets no label (no room).
LABELLED_HOURS = 14


@dataclass(frozen=True)
class Series:
    """One named row of values, one per hour, drawn with the CSS class ``css``."""

    name: str
    css: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Axis:
    """Round ticks from 0 to ``top`` (in the values' own unit) and their labels."""

    top: float
    ticks: tuple[tuple[float, str], ...]

    def share(self, value: float) -> float:
        """Where ``value`` falls between 0 and the top tick, from 0.0 to 1.0."""
        return min(max(value / self.top, 0.0), 1.0) if self.top else 0.0


def _steps(largest: float, most: int) -> list[float]:
    """0, then steps of 1, 2 or 5 times a power of ten, up to at least ``largest``, with at
    most ``most`` steps (the smallest such step)."""
    if largest <= 0 or not math.isfinite(largest):
        return [0.0, 1.0]
    power = 10.0 ** math.floor(math.log10(largest / most))
    for factor in (1, 2, 5, 10, 20):
        step = factor * power
        if math.ceil(largest / step - 1e-9) <= most:
            break
    count = math.ceil(largest / step - 1e-9)
    return [round(step * index, 10) for index in range(count + 1)]


def _count_label(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


#: Seconds are shown in the largest unit the top tick fills twice (the steps stay round in it).
_TIME_UNITS = ((7200.0, 3600.0, "h"), (120.0, 60.0, "min"), (0.0, 1.0, "s"))


def ticks(largest: float, unit: str = "", most: int = 5) -> Axis:
    """An axis for values up to ``largest``: ``unit`` is ``""`` (counts: 2.5k, 10k), ``"s"``
    (seconds, ticked in whole seconds, minutes or hours) or ``"%"`` (shares from 0 to 1)."""
    if unit == "s":
        size, name = next((size, name) for least, size, name in _TIME_UNITS if largest >= least)
        steps = _steps(largest / size, most)
        return Axis(steps[-1] * size, tuple((v * size, f"{v:g} {name}") for v in steps))
    if unit == "%":
        steps = _steps(largest * 100, most)
        return Axis(steps[-1] / 100, tuple((v / 100, f"{v:g}%") for v in steps))
    steps = _steps(largest, most)
    return Axis(steps[-1], tuple((v, _count_label(v)) for v in steps))


def _day_labels(hours: Sequence[dt.datetime]) -> list[tuple[float, str]]:
    """(centre as a share of the width, label) of every day the hours cover enough of."""
    days: dict[dt.date, list[int]] = {}
    for index, hour in enumerate(hours):
        days.setdefault(hour.date(), []).append(index)
    width = max(len(hours), 1)
    return [
        ((indexes[0] + len(indexes) / 2) / width, hours[indexes[0]].strftime("%a %d"))
        for indexes in days.values()
        if len(indexes) >= LABELLED_HOURS
    ]


def _plot(hours: Sequence[dt.datetime], axis: Axis) -> list[str]:
    """Gridlines at the ticks and a dashed line at each midnight, in the plot's units."""
    width = max(len(hours), 1) * SLOT
    parts = [
        f'<line class="grid" x1="0" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>'
        for y in (TALL - TALL * axis.share(value) for value, _ in axis.ticks)
    ]
    parts += [
        f'<line class="tick" x1="{index * SLOT}" x2="{index * SLOT}" y1="0" y2="{TALL}"/>'
        for index, hour in enumerate(hours)
        if hour.hour == 0 and index
    ]
    return parts


def _figure(
    title: str, hours: Sequence[dt.datetime], axis: Axis, parts: list[str], legend: Sequence[Series]
) -> SafeString:
    width = max(len(hours), 1) * SLOT
    svg = (
        f'<svg class="chart series" viewBox="0 0 {width} {TALL}" role="img" '
        f'preserveAspectRatio="none" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )
    y_labels = "".join(
        format_html('<li style="bottom: {}%">{}</li>', f"{100 * axis.share(v):.2f}", label)
        for v, label in axis.ticks
    )
    x_labels = "".join(
        format_html('<li style="--at: {}">{}</li>', f"{centre:.4f}", label)
        for centre, label in _day_labels(hours)
    )
    keys = "".join(
        format_html('<li><span class="key {}"></span>{}</li>', series.css, series.name)
        for series in legend
    )
    return mark_safe(  # noqa: S308 (every piece above is escaped)
        '<figure class="chart-box">'
        f'<div class="plot"><ol class="y-labels" aria-hidden="true">{y_labels}</ol>{svg}'
        f'<ol class="x-labels" aria-hidden="true">{x_labels}</ol></div>'
        f'<ul class="legend">{keys}</ul></figure>'
    )


def stacked_bars(
    title: str, hours: Sequence[dt.datetime], series: Sequence[Series], unit: str = ""
) -> SafeString:
    """One bar an hour, the series stacked in order from the bottom."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(hours))]
    axis = ticks(max(totals, default=0), unit)
    parts = _plot(hours, axis)
    for index, hour in enumerate(hours):
        base = float(TALL)
        for s in series:
            value = s.values[index] or 0
            if not value:
                continue
            height = TALL * axis.share(value)
            base -= height
            parts.append(
                f'<rect class="{s.css}" x="{index * SLOT}" y="{base:.1f}" '
                f'width="{SLOT - 1}" height="{height:.1f}">'
                f"<title>{escape(hour.strftime('%Y-%m-%d %H:00'))} UTC, "
                f"{escape(s.name)}: {value:g}</title></rect>"
            )
    return _figure(title, hours, axis, parts, series)


def lines(
    title: str, hours: Sequence[dt.datetime], series: Sequence[Series], unit: str = ""
) -> SafeString:
    """One line a series; an hour without a value (None) breaks the line, and a value alone
    between two gaps is a short level stroke across its hour."""
    values = [v for s in series for v in s.values if v is not None]
    axis = ticks(max(values, default=0), unit)
    parts = _plot(hours, axis)
    for s in series:
        runs: list[list[tuple[int, float]]] = [[]]
        for index, value in enumerate(s.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((index, TALL - TALL * axis.share(value)))
        for run in runs:
            if len(run) == 1:
                ((index, y),) = run
                points: list[tuple[float, float]] = [(index * SLOT, y), ((index + 1) * SLOT, y)]
            else:
                points = [(index * SLOT + SLOT / 2, y) for index, y in run]
            if points:
                joined = " ".join(f"{x:g},{y:.1f}" for x, y in points)
                parts.append(f'<polyline class="{s.css}" points="{joined}"/>')
    return _figure(title, hours, axis, parts, series)
