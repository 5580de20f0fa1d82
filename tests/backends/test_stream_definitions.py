"""Release streams defined by hand, on recorded histories: definitions take their versions
first, the rest are detected; end-of-life marks; names and patterns refused."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from backends import stream_definitions
from backends.stream_definitions import (
    StreamDefinition,
    name_problem,
    pattern_problem,
    release_streams,
)
from backends.versions import make_version
from backends.versions.streams import DatedVersion, Stream, detect_streams
from tests.backends.versions.histories import recorded_history


@pytest.fixture(autouse=True)
def _no_remembered_failures():
    stream_definitions.FAILURES.clear()
    yield
    stream_definitions.FAILURES.clear()


def _rows(streams: list[Stream]) -> list[tuple[str, bool, str, bool, date | None]]:
    return [(s.name, s.defined, s.latest.parsed, s.backports, s.end_of_life) for s in streams]


def test_without_definitions_the_streams_are_the_detected_ones():
    history = recorded_history("cpython")
    assert release_streams(history) == detect_streams(history)


def test_an_lts_definition_takes_its_versions_and_the_rest_are_detected():
    lts = StreamDefinition("LTS", r"^(18|20)\.")
    streams = release_streams(recorded_history("nodejs"), [lts])
    assert _rows(streams) == [
        ("LTS", True, "20.17.0", False, None),
        ("0.12", False, "0.12.18", False, None),
        ("0.10", False, "0.10.48", True, None),
    ]
    assert streams[0].key == ()
    assert [item.version.parsed for item in streams[0].versions][:2] == ["18.0.0", "18.12.0"]
    # Every version is in exactly one stream.
    assert sum(len(s.versions) for s in streams) == len(recorded_history("nodejs"))


def test_the_first_matching_definition_wins_in_the_defined_order():
    both = [StreamDefinition("maintenance", r"^3\.1[12]\."), StreamDefinition("all 3", r"^3\.")]
    streams = release_streams(recorded_history("cpython"), both)
    assert [(s.name, s.latest.parsed, len(s.versions)) for s in streams] == [
        ("maintenance", "3.12.7", 11),
        ("all 3", "3.14.0a1", 3),
    ]
    swapped = release_streams(recorded_history("cpython"), list(reversed(both)))
    assert [(s.name, len(s.versions)) for s in swapped] == [("all 3", 14)]


def test_a_defined_line_patched_after_a_newer_one_started_is_a_backport_line():
    old = StreamDefinition("3.11 line", r"^3\.11\.", end_of_life=date(2027, 10, 31))
    streams = release_streams(recorded_history("cpython"), [old])
    assert _rows(streams)[0] == ("3.11 line", True, "3.11.9", True, date(2027, 10, 31))
    assert [s.name for s in streams] == ["3.11 line", "3.14", "3.13", "3.12"]
    # The detected 3.12 line still counts as a backport line (3.13 started before 3.12.7).
    assert ("3.12", False, "3.12.7", True, None) in _rows(streams)


def test_taking_a_line_out_does_not_rename_the_others():
    days = {"3.11.0": 0, "3.12.0": 300, "3.11.9": 400, "3.12.1": 420, "3.13.0": 500}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    history = [
        DatedVersion(make_version(raw, scheme="Semantic"), start + timedelta(days=day))
        for raw, day in days.items()
    ]
    streams = release_streams(history, [StreamDefinition("old", r"^3\.11\.")])
    # Without 3.11, 3.12 and 3.13 never overlapped; they stay apart all the same, as detected
    # over every version.
    assert [(s.name, len(s.versions)) for s in streams] == [
        ("old", 2),
        ("3.13", 1),
        ("3.12", 2),
    ]
    assert [s.name for s in detect_streams(history[1:2] + history[3:])] == ["3"]


def test_an_empty_pattern_marks_the_detected_stream_end_of_life():
    marks = [
        StreamDefinition("9.5", "", date(2021, 2, 11)),
        StreamDefinition("OTHER", "", date(2020, 1, 1)),  # no such stream: marks nothing
    ]
    streams = release_streams(recorded_history("postgresql"), marks)
    assert [(s.name, s.defined, s.end_of_life) for s in streams] == [
        ("11", False, None),
        ("10", False, None),
        ("9.6", False, None),
        ("9.5", False, date(2021, 2, 11)),
    ]


def test_a_definition_that_finds_nothing_is_no_stream():
    streams = release_streams(recorded_history("pip"), [StreamDefinition("LTS", r"^99\.")])
    assert [s.name for s in streams] == ["24", "23"]


def test_a_catastrophic_pattern_runs_out_of_its_budget_and_takes_nothing_more(caplog):
    versions = [
        DatedVersion(make_version("1" * 40 + str(n), scheme="RPM"), None) for n in range(30)
    ]
    slow = StreamDefinition("slow", r"(1|11)+2")
    with caplog.at_level(logging.WARNING, logger="backends.stream_definitions"):
        streams = release_streams(versions, [slow], timeout=0.05)
    assert streams and not any(s.defined for s in streams)  # its versions were detected
    assert sum(len(s.versions) for s in streams) == 30
    failures = [r.getMessage() for r in caplog.records if "slow" in r.getMessage()]
    assert len(failures) == 1 and "took too long" in failures[0]


def test_a_pattern_that_fails_leaves_the_other_definitions_working():
    history = recorded_history("nodejs")
    streams = release_streams(
        history,
        [StreamDefinition("broken", r"(1|11)+x"), StreamDefinition("LTS", r"^(18|20)\.")],
        timeout=0.0,
    )
    # No time at all: every pattern fails, nothing is taken, everything is detected.
    assert streams == detect_streams(history)


@pytest.mark.parametrize(
    ("name", "has_pattern", "problem"),
    [
        ("", True, "Give the stream a name."),
        ("x" * 41, True, "At most 40 characters."),
        ("LTS\n", True, "printable"),
        ("bad\x1bname", True, "printable"),
        ("3.12", True, "how a detected stream is named"),
        ("1!2", True, "how a detected stream is named"),
        ("Other", True, "how a detected stream is named"),
        ("LTS", False, "Without a pattern the name must be a detected stream's"),
    ],
)
def test_names_that_cannot_name_a_stream(name, has_pattern, problem):
    found = name_problem(name, has_pattern=has_pattern)
    assert found is not None and problem in found


@pytest.mark.parametrize(
    ("name", "has_pattern"), [("LTS", True), ("Node 18 (Hydrogen)", True), ("16", False)]
)
def test_names_that_can(name, has_pattern):
    assert name_problem(name, has_pattern=has_pattern) is None


def test_a_pattern_too_slow_on_the_projects_versions_is_refused():
    problem = pattern_problem(r"(1|11)+2", ["1.0", "1" * 45], timeout=0.05)
    assert problem is not None
    assert "'11111" in problem and "took too long" in problem
    assert pattern_problem(r"^1\.", ["1.0", "1" * 45], timeout=0.5) is None


def test_a_pattern_that_timed_out_on_a_version_is_not_run_on_it_again(monkeypatch):
    calls = []
    real = stream_definitions.search

    def counting(pattern, text, *, timeout=None):
        calls.append((pattern, text))
        return real(pattern, text, timeout=timeout)

    monkeypatch.setattr(stream_definitions, "search", counting)
    slow_text = "1" * 45
    versions = [DatedVersion(make_version(raw, scheme="RPM"), None) for raw in ("1.0", slow_text)]
    definitions = [StreamDefinition("slow", r"(1|11)+2"), StreamDefinition("one", r"^1\.")]
    for _ in range(3):
        streams = release_streams(versions, definitions, timeout=0.2)
        assert [s.name for s in streams if s.defined] == ["one"]
    # Run once on the version it is too slow on, then never again; the other pattern (which
    # the first run's spent budget failed) runs on every computation.
    assert calls.count((r"(1|11)+2", slow_text)) == 1
    assert calls.count((r"^1\.", slow_text)) == 3
    assert (r"(1|11)+2", slow_text) in stream_definitions.FAILURES
    assert (r"^1\.", slow_text) not in stream_definitions.FAILURES
