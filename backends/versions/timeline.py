"""The release timeline's geometry: where each version of each stream goes on the chart.

The chart is as wide as the page, whatever that is: horizontal positions are percentages of
its width, vertical ones and every size are pixels. Nothing is scaled, so the labels keep
their size on a phone as on a desktop (a ``viewBox`` would shrink them with the chart).

- One lane per stream, in the order given (newest stream first, as the streams table), its
  name above its line at the left. Past :data:`MAX_LANES`, the oldest streams share the last
  lane ("older: 12 streams"), so the chart stays a screen or two tall.
- A mark per version at its date; pre-releases get another shape (a hollow diamond; releases
  are dots), never only another colour.
- Versions of one lane and kind closer together than :data:`BUCKETS` allows share one mark,
  which says how many it stands for: a lane never has more than ``2 * BUCKETS`` marks, so the
  chart of a project with thousands of versions stays a few dozen kilobytes.
- The time axis runs from the first to the last release, with ticks on whole years (every
  2, 5, 10... years when there are many), else on months or days for a short history.
  Nothing depends on the current time, so a rendered chart stays right until the versions
  change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from backends.versions.streams import DatedVersion, Stream

#: Where the plot starts and ends, in percent of the chart's width (room for a mark's half).
PLOT_START = 2.0
PLOT_END = 98.0
#: How many marks of each kind a lane has at most (so about 0.5% of the width per mark).
BUCKETS = 200
MAX_LANES = 20
LEGEND_HEIGHT = 22
LANE_HEIGHT = 30
#: In a lane: the baseline of its name, and its line (where the marks are).
LABEL_BASELINE = 11
LINE_OFFSET = 21
AXIS_GAP = 6
AXIS_LABELS = 18
#: The most tick labels an axis gets: years are short ("2024"), months and days longer.
MAX_YEAR_LABELS = 6
MAX_OTHER_LABELS = 4
YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
MONTH_STEPS = (1, 2, 3, 6)
DAY_STEPS = (1, 2, 7, 14)


@dataclass(frozen=True)
class Mark:
    """One mark: a version, or ``count`` versions of a lane dated close together."""

    x: float
    prerelease: bool
    count: int
    title: str


@dataclass(frozen=True)
class Lane:
    name: str
    label_y: int
    y: int
    backports: bool
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Tick:
    """A line across the lanes at ``x``; ``label`` is empty for the unlabelled ones."""

    x: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Timeline:
    lanes: tuple[Lane, ...]
    ticks: tuple[Tick, ...]
    top: int
    axis_y: int
    height: int
    versions: int
    prereleases: int
    first: datetime
    last: datetime
    summary: str

    @property
    def plot_start(self) -> float:
        return PLOT_START

    @property
    def plot_end(self) -> float:
        return PLOT_END

    @property
    def label_y(self) -> int:
        return self.axis_y + AXIS_LABELS


#: A lane's versions with their dates (in UTC), oldest first.
Dated = list[tuple[datetime, DatedVersion]]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dated(stream: Stream) -> Dated:
    return sorted(
        ((_utc(item.released), item) for item in stream.versions if item.released is not None),
        key=lambda pair: (pair[0], pair[1].version.sort_key, pair[1].version.raw),
    )


class _Scale:
    """Time to percent of the width, first release at :data:`PLOT_START`, last at the end."""

    def __init__(self, first: datetime, last: datetime) -> None:
        self.first = first
        self.span = (last - first).total_seconds()

    def fraction(self, moment: datetime) -> float:
        return (moment - self.first).total_seconds() / self.span

    def x(self, moment: datetime) -> float:
        return round(PLOT_START + (PLOT_END - PLOT_START) * self.fraction(moment), 2)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _mark_title(items: Sequence[tuple[datetime, DatedVersion]], prerelease: bool) -> str:
    first_day, first = items[0]
    if len(items) == 1:
        title = f"{first.version.parsed} ({_day(first_day)})"
        return f"{title}, pre-release" if prerelease else title
    last_day, last = items[-1]
    what = _plural(len(items), "pre-release" if prerelease else "version")
    return (
        f"{what}: {first.version.parsed} ({_day(first_day)}) to "
        f"{last.version.parsed} ({_day(last_day)})"
    )


def _marks(dated: Sequence[tuple[datetime, DatedVersion]], scale: _Scale) -> tuple[Mark, ...]:
    """The lane's marks, left to right: versions of one kind in one bucket share a mark, at
    the middle of their dates (so marks keep the order of the dates)."""
    buckets: dict[tuple[int, bool], list[tuple[datetime, DatedVersion]]] = {}
    for moment, item in dated:
        bucket = min(int(scale.fraction(moment) * BUCKETS), BUCKETS - 1)
        buckets.setdefault((bucket, item.version.is_prerelease()), []).append((moment, item))
    marks = []
    for (_, prerelease), items in sorted(buckets.items()):
        middle = items[0][0] + (items[-1][0] - items[0][0]) / 2
        marks.append(Mark(scale.x(middle), prerelease, len(items), _mark_title(items, prerelease)))
    return tuple(marks)


def _year_ticks(first: datetime, last: datetime, scale: _Scale) -> list[Tick]:
    years = [
        year
        for year in range(first.year, last.year + 1)
        if first <= datetime(year, 1, 1, tzinfo=UTC) <= last
    ]
    if len(years) < 2:
        return []
    step = next(
        (s for s in YEAR_STEPS if len([y for y in years if y % s == 0]) <= MAX_YEAR_LABELS),
        YEAR_STEPS[-1],
    )
    every_year = len(years) <= 60  # an unlabelled line per year, while they are not a blur
    return [
        Tick(scale.x(datetime(year, 1, 1, tzinfo=UTC)), str(year) if year % step == 0 else "")
        for year in years
        if every_year or year % step == 0
    ]


def _stepped(moments: list[datetime], steps: Iterable[int], number: int) -> list[datetime]:
    """``moments`` every ``step``-th (by ``number``'s count), the smallest step that leaves
    :data:`MAX_OTHER_LABELS` or fewer."""
    for step in steps:
        kept = [moment for index, moment in enumerate(moments) if (index + number) % step == 0]
        if len(kept) <= MAX_OTHER_LABELS:
            return kept
    return moments[:: max(1, len(moments) // MAX_OTHER_LABELS + 1)]


def _short_ticks(first: datetime, last: datetime, scale: _Scale) -> list[Tick]:
    """Months ("Mar 2024") over a short history, days ("Mar 14") over a shorter one."""
    months = []
    year, month = first.year, first.month
    while True:
        start = datetime(year, month, 1, tzinfo=UTC)
        if start > last:
            break
        if start >= first:
            months.append(start)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(months) >= 2:
        kept = _stepped(months, MONTH_STEPS, months[0].month - 1)
        return [Tick(scale.x(moment), moment.strftime("%b %Y")) for moment in kept]
    day = datetime.combine(first.date(), datetime.min.time(), tzinfo=UTC)
    days = []
    while day <= last:
        if day >= first:
            days.append(day)
        day += timedelta(days=1)
    kept = _stepped(days, DAY_STEPS, 0)
    return [Tick(scale.x(moment), moment.strftime("%b %d")) for moment in kept]


def _anchored(ticks: list[Tick]) -> tuple[Tick, ...]:
    """Labels at the edges grow inwards, so none is cut off."""
    anchored = []
    for tick in ticks:
        anchor = "start" if tick.x < 6 else "end" if tick.x > 94 else "middle"
        anchored.append(Tick(tick.x, tick.label, anchor))
    return tuple(anchored)


def _summary(streams: int, versions: int, prereleases: int, first: date, last: date) -> str:
    span = f"in {first.year}" if first.year == last.year else f"from {first.year} to {last.year}"
    text = f"{_plural(streams, 'stream')}, {_plural(versions, 'version')} {span}"
    if prereleases:
        text += (
            ", 1 of them a pre-release"
            if prereleases == 1
            else f", {prereleases} of them pre-releases"
        )
    return text


def _lanes(streams: Sequence[Stream], dated: Sequence[Dated]) -> list[tuple[str, bool, Dated]]:
    """(name, backports, dated versions) of each lane: a stream's, or the older streams'."""
    lanes = [
        (stream.name, stream.backports, items) for stream, items in zip(streams, dated, strict=True)
    ]
    if len(lanes) <= MAX_LANES:
        return lanes
    kept, older = lanes[: MAX_LANES - 1], lanes[MAX_LANES - 1 :]
    merged = sorted(
        (pair for _, _, items in older for pair in items),
        key=lambda pair: (pair[0], pair[1].version.sort_key, pair[1].version.raw),
    )
    backports = any(backports for _, backports, _ in older)
    return [*kept, (f"older: {len(older)} streams", backports, merged)]


def build_timeline(streams: Sequence[Stream]) -> Timeline | None:
    """The chart of ``streams`` (as :func:`~backends.versions.streams.detect_streams` gives
    them), or None when their dated versions do not fall on at least two different days."""
    dated = [_dated(stream) for stream in streams]
    moments = [moment for lane in dated for moment, _ in lane]
    if len({moment.date() for moment in moments}) < 2:
        return None
    first, last = min(moments), max(moments)
    scale = _Scale(first, last)
    lanes = []
    for index, (name, backports, items) in enumerate(_lanes(streams, dated)):
        top = LEGEND_HEIGHT + index * LANE_HEIGHT
        lanes.append(
            Lane(
                name=name,
                label_y=top + LABEL_BASELINE,
                y=top + LINE_OFFSET,
                backports=backports,
                marks=_marks(items, scale),
            )
        )
    ticks = _year_ticks(first, last, scale) or _short_ticks(first, last, scale)
    axis_y = LEGEND_HEIGHT + len(lanes) * LANE_HEIGHT + AXIS_GAP
    prereleases = sum(1 for lane in dated for _, item in lane if item.version.is_prerelease())
    return Timeline(
        lanes=tuple(lanes),
        ticks=_anchored(ticks),
        top=LEGEND_HEIGHT,
        axis_y=axis_y,
        height=axis_y + AXIS_LABELS + 6,
        versions=len(moments),
        prereleases=prereleases,
        first=first,
        last=last,
        summary=_summary(len(streams), len(moments), prereleases, first.date(), last.date()),
    )
