"""The release timeline's geometry: lanes, marks at their dates, capped marks, axis ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backends.versions import make_version
from backends.versions.streams import DatedVersion, detect_streams
from backends.versions.timeline import (
    BUCKETS,
    MAX_LANES,
    PLOT_END,
    PLOT_START,
    build_timeline,
)
from tests.backends.versions.histories import recorded_history

DAY = datetime(2020, 1, 1, tzinfo=UTC)


def _dated(*entries: tuple[str, float], start: datetime = DAY) -> list[DatedVersion]:
    return [
        DatedVersion(make_version(raw, scheme="Python (PEP 440)"), start + timedelta(days=days))
        for raw, days in entries
    ]


def test_cpython_gets_a_lane_per_stream_in_the_tables_order():
    streams = detect_streams(recorded_history("cpython"))
    timeline = build_timeline(streams)
    assert timeline is not None
    assert [lane.name for lane in timeline.lanes] == ["3.14", "3.13", "3.12", "3.11"]
    assert [lane.backports for lane in timeline.lanes] == [False, False, True, True]
    # Lanes one under another, each its name above its line.
    ys = [lane.y for lane in timeline.lanes]
    assert ys == sorted(ys) and len(set(ys)) == 4
    assert all(lane.label_y < lane.y for lane in timeline.lanes)
    assert timeline.axis_y > ys[-1] and timeline.height > timeline.axis_y
    # 14 versions, each its own mark (far apart); the first and last at the plot's ends.
    marks = [mark for lane in timeline.lanes for mark in lane.marks]
    assert len(marks) == 14 and all(mark.count == 1 for mark in marks)
    assert min(mark.x for mark in marks) == PLOT_START
    assert max(mark.x for mark in marks) == PLOT_END
    assert timeline.summary == "4 streams, 14 versions from 2022 to 2024, 4 of them pre-releases"
    # Years on the axis (2023 and 2024 fall inside 2022-08-08 .. 2024-10-15).
    assert [tick.label for tick in timeline.ticks] == ["2023", "2024"]


def test_marks_say_version_and_date_and_pre_releases_are_their_own_kind():
    timeline = build_timeline(detect_streams(recorded_history("cpython")))
    newest = timeline.lanes[0].marks
    assert [(mark.title, mark.prerelease) for mark in newest] == [
        ("3.14.0a1 (2024-10-15), pre-release", True)
    ]
    titles = [mark.title for mark in timeline.lanes[3].marks]
    assert titles[0] == "3.11.0rc1 (2022-08-08), pre-release"
    assert "3.11.9 (2024-04-02)" in titles


def test_x_grows_with_the_date_across_lanes():
    timeline = build_timeline(detect_streams(recorded_history("nodejs")))
    marks = sorted((mark for lane in timeline.lanes for mark in lane.marks), key=lambda m: m.x)
    # A mark's title names its (first) version's date: left to right, dates only grow.
    days = [mark.title.split("(", 1)[1][:10] for mark in marks]
    assert days == sorted(days)
    assert len(set(days)) > 10


def test_one_day_of_versions_is_no_timeline():
    assert build_timeline(detect_streams(_dated(("1.0", 0), ("1.1", 0.5), ("2.0", 0.9)))) is None
    assert build_timeline(detect_streams([])) is None
    undated = [DatedVersion(make_version(raw, scheme="RPM")) for raw in ("1.0", "2.0")]
    assert build_timeline(detect_streams(undated)) is None


def test_two_days_are_enough_and_a_short_history_gets_month_or_day_ticks():
    two_days = build_timeline(detect_streams(_dated(("1.0", 0), ("1.1", 1))))
    assert two_days is not None
    assert [lane.name for lane in two_days.lanes] == ["1"]
    assert [tick.label for tick in two_days.ticks] == ["Jan 01", "Jan 02"]
    assert two_days.summary == "1 stream, 2 versions in 2020"
    months = build_timeline(detect_streams(_dated(("1.0", 0), ("1.1", 200))))
    labels = [tick.label for tick in months.ticks]
    assert labels[0] == "Jan 2020" and 2 <= len(labels) <= 4
    assert all(label.endswith("2020") for label in labels)


def test_a_long_history_labels_fewer_years_but_marks_every_one():
    entries = [(f"{year - 1989}.0", (year - 1990) * 365.25 + 10) for year in range(1990, 2025)]
    start = datetime(1990, 1, 1, tzinfo=UTC)
    timeline = build_timeline(detect_streams(_dated(*entries, start=start)))
    labels = [tick.label for tick in timeline.ticks if tick.label]
    assert labels == ["1995", "2000", "2005", "2010", "2015", "2020"]
    assert len(timeline.ticks) == 34  # an unlabelled line for each other year
    xs = [tick.x for tick in timeline.ticks]
    assert xs == sorted(xs)


def test_thousands_of_versions_on_one_lane_are_capped():
    entries = [(f"1.{index}", index / 4) for index in range(2000)]  # four a day
    entries += [(f"1.{index}rc1", index / 4 - 0.1) for index in range(1, 2000, 10)]
    timeline = build_timeline(detect_streams(_dated(*entries)))
    (lane,) = timeline.lanes
    releases = [mark for mark in lane.marks if not mark.prerelease]
    pre = [mark for mark in lane.marks if mark.prerelease]
    assert len(releases) <= BUCKETS and len(pre) <= BUCKETS
    assert sum(mark.count for mark in releases) == 2000
    assert sum(mark.count for mark in pre) == 200
    many = next(mark for mark in releases if mark.count > 1)
    assert many.title.startswith(f"{many.count} versions: 1.")
    assert " to 1." in many.title
    assert [mark.x for mark in releases] == sorted(mark.x for mark in releases)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=30),
            st.integers(min_value=0, max_value=9),
            st.floats(min_value=0, max_value=5000, allow_nan=False),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_every_dated_version_is_on_its_streams_lane_inside_the_plot(entries):
    items = _dated(*[(f"{major}.{minor}", days) for major, minor, days in entries])
    streams = detect_streams(items)
    timeline = build_timeline(streams)
    days = {item.released.date() for item in streams_items(streams)}
    if len(days) < 2:
        assert timeline is None
        return
    # Past MAX_LANES, the oldest streams share the last lane.
    groups = [[stream] for stream in streams]
    if len(groups) > MAX_LANES:
        groups = [*groups[: MAX_LANES - 1], list(streams[MAX_LANES - 1 :])]
    names = [
        group[0].name if len(group) == 1 else f"older: {len(group)} streams" for group in groups
    ]
    assert [lane.name for lane in timeline.lanes] == names
    for group, lane in zip(groups, timeline.lanes, strict=True):
        assert sum(mark.count for mark in lane.marks) == sum(len(s.versions) for s in group)
        assert all(PLOT_START <= mark.x <= PLOT_END for mark in lane.marks)
    assert timeline.versions == len(streams_items(streams))


def streams_items(streams):
    return [item for stream in streams for item in stream.versions]
