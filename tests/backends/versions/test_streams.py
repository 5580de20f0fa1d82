"""Release streams detected on real version histories, and properties over arbitrary ones."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backends.versions import make_version, sort_versions
from backends.versions.streams import DatedVersion, Stream, detect_streams
from tests.backends.versions.histories import FIXTURES, recorded_history
from tests.backends.versions.strategies import any_version, version_like


def _summary(streams: list[Stream]) -> list[tuple[str, str, str | None, bool]]:
    return [
        (
            stream.name,
            stream.latest.parsed,
            stream.latest_stable.parsed if stream.latest_stable else None,
            stream.backports,
        )
        for stream in streams
    ]


def test_cpython_is_split_by_minor_with_backport_lines():
    assert _summary(detect_streams(recorded_history("cpython"))) == [
        ("3.14", "3.14.0a1", None, False),
        ("3.13", "3.13.0", "3.13.0", False),
        ("3.12", "3.12.7", "3.12.7", True),
        ("3.11", "3.11.9", "3.11.9", True),
    ]


def test_postgresql_splits_9_by_minor_and_keeps_10_on_as_majors():
    assert _summary(detect_streams(recorded_history("postgresql"))) == [
        ("11", "11.22", "11.22", False),
        ("10", "10.23", "10.23", True),
        ("9.6", "9.6.24", "9.6.24", True),
        ("9.5", "9.5.25", "9.5.25", True),
    ]


def test_nodejs_majors_stay_whole_but_parallel_0_x_lines_split():
    assert _summary(detect_streams(recorded_history("nodejs"))) == [
        ("20", "20.17.0", "20.17.0", False),
        ("18", "18.20.4", "18.20.4", True),
        ("0.12", "0.12.18", "0.12.18", False),
        ("0.10", "0.10.48", "0.10.48", True),
    ]


def test_calver_pip_groups_by_year_without_backports():
    streams = detect_streams(recorded_history("pip"))
    assert _summary(streams) == [
        ("24", "24.2", "24.2", False),
        ("23", "23.3.2", "23.3.2", False),
    ]
    assert streams[0].first_release == datetime(2024, 2, 3, tzinfo=UTC)
    assert streams[0].last_release == datetime(2024, 7, 28, tzinfo=UTC)
    assert [item.version.parsed for item in streams[1].versions] == [
        "23.0", "23.0.1", "23.1", "23.3.2",
    ]  # fmt: skip


def test_without_dates_a_major_is_never_split():
    undated = [DatedVersion(item.version) for item in recorded_history("cpython")]
    streams = detect_streams(undated)
    assert [stream.name for stream in streams] == ["3"]
    assert streams[0].latest.parsed == "3.14.0a1"
    assert streams[0].latest_stable.parsed == "3.13.0"
    assert streams[0].first_release is None and not streams[0].backports


def test_pep440_epoch_and_unnumbered_versions_get_their_own_streams():
    raws = ["2.0", "1!1.0", "nightly", "2.1"]
    streams = detect_streams(DatedVersion(make_version(r, scheme="Python (PEP 440)")) for r in raws)
    assert [(s.key, s.name) for s in streams] == [
        (("1", "1"), "1!1"),
        (("0", "2"), "2"),
        ((), "other"),
    ]


def test_no_versions_no_streams():
    assert detect_streams([]) == []


_SCHEMES = st.sampled_from(["RPM", "Semantic", "Python (PEP 440)"])
_DAYS = st.one_of(st.none(), st.integers(min_value=0, max_value=60))
_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@settings(max_examples=200, deadline=None)
@given(
    scheme=_SCHEMES,
    entries=st.lists(st.tuples(st.one_of(version_like, any_version), _DAYS), max_size=25),
    seed=st.randoms(use_true_random=False),
)
def test_stream_properties(scheme, entries, seed):
    items = [
        DatedVersion(
            make_version(raw, scheme=scheme),
            None if day is None else _EPOCH + timedelta(days=day),
        )
        for raw, day in entries
    ]
    streams = detect_streams(items)
    # Every version in exactly one stream.
    placed = [id(item) for stream in streams for item in stream.versions]
    assert sorted(placed) == sorted(id(item) for item in items)
    for stream in streams:
        versions = [item.version for item in stream.versions]
        # Oldest first by the scheme, latest is the maximum.
        assert versions == sort_versions(versions)
        assert stream.latest.sort_key == max(v.sort_key for v in versions)
        stable = [v for v in versions if not v.is_prerelease()]
        if stable:
            assert stream.latest_stable.sort_key == max(v.sort_key for v in stable)
        else:
            assert stream.latest_stable is None
    # The input order does not matter.
    shuffled = list(items)
    seed.shuffle(shuffled)
    again = detect_streams(shuffled)
    assert [(s.key, [i.version.raw for i in s.versions]) for s in again] == [
        (s.key, [i.version.raw for i in s.versions]) for s in streams
    ]


@pytest.mark.parametrize("name", ["cpython", "postgresql", "nodejs", "pip"])
def test_fixtures_note_their_source(name):
    assert json.loads((FIXTURES / f"{name}.json").read_text())["source"]
