"""Change levels: how big a step lies between two versions, in each scheme."""

import pytest

from backends.versions import (
    SCHEME_NAMES,
    Change,
    change_level,
    make_version,
    release_numbers,
)

MAJOR, MINOR, PATCH, SMALLER = Change.MAJOR, Change.MINOR, Change.PATCH, Change.SMALLER


def level(scheme: str, old: str, new: str, **project) -> Change:
    return change_level(
        make_version(old, scheme=scheme, **project), make_version(new, scheme=scheme, **project)
    )


def test_levels_are_ordered():
    assert SMALLER < PATCH < MINOR < MAJOR


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("1.2.3", "2.0.0", MAJOR),
        ("1.2.3", "1.3.0", MINOR),
        ("1.2.3", "1.2.4", PATCH),
        ("1.2.3", "1.2.3.1", SMALLER),
        ("1.2.3", "1.2.3", SMALLER),
        ("1.2", "1.2.0", SMALLER),  # missing numbers are zeros
        ("1.2", "1.2.1", PATCH),
        ("1.2.3", "1.2.4-rc1", PATCH),
        ("1.3.0-rc1", "1.3.0", SMALLER),
        ("1.2.3", "1.2.3a", SMALLER),
        ("1_84_0", "1_85_0", MINOR),
        ("1.02.3", "1.2.4", PATCH),  # numbers by value
        ("2.0", "1.9", MAJOR),  # the direction does not matter
        ("snapshot", "nightly", MAJOR),  # no numbers, and different
        ("snapshot", "1.0", MAJOR),
        ("1" + "0" * 5000 + ".1", "1" + "0" * 5000 + ".2", MINOR),  # no int() of huge numbers
    ],
)
def test_rpm(old, new, expected):
    assert level("RPM", old, new) == expected


def test_rpm_prefix_is_stripped_first():
    assert level("RPM", "proj-1.2.3", "proj-1.3.0", version_prefix="proj-") == MINOR


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("1.2.3", "2.0.0", MAJOR),
        ("1.2.3", "1.3.0", MINOR),
        ("1.2.3", "1.2.4", PATCH),
        ("1.2.3-rc.1", "1.2.3", SMALLER),
        ("1.2.3+build1", "1.2.3+build2", SMALLER),
        ("1.2.3", "1.2.4-beta.1", PATCH),
        ("1.2", "1.3", MINOR),  # not SemVer: read as RPM does
        ("1.2", "1.2.0", SMALLER),
        ("main", "1.0.0", MAJOR),
    ],
)
def test_semantic(old, new, expected):
    assert level("Semantic", old, new) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("1.2.3", "2.0", MAJOR),
        ("1.2.3", "1.3", MINOR),
        ("1.2.3", "1.2.4", PATCH),
        ("1.2.3", "1.2.3.post1", SMALLER),
        ("1.2.3rc1", "1.2.3", SMALLER),
        ("1.2.3.dev4", "1.2.3", SMALLER),
        ("1.2", "1.2.0", SMALLER),
        ("1.2.3", "1!1.2.3", MAJOR),  # a new epoch
        ("1!1.2.3", "1!1.2.4", PATCH),
        ("1.0-RC1", "1.0", SMALLER),  # normalised spellings
        ("1.0.0", "not-a-version", MAJOR),
    ],
)
def test_pep440(old, new, expected):
    assert level("Python (PEP 440)", old, new) == expected


@pytest.mark.parametrize(
    ("pattern", "old", "new", "expected"),
    [
        ("YYYY.0M.MICRO", "2024.05.1", "2025.01.0", MAJOR),
        ("YYYY.0M.MICRO", "2024.05.1", "2024.06.0", MINOR),
        ("YYYY.0M.MICRO", "2024.05.1", "2024.05.2", PATCH),
        ("YYYY.0M.MICRO", "2024.05", "2024.05.1", PATCH),
        ("YYYY.0M.MICRO", "2024.05", "2024.05.0", SMALLER),
        ("YYYY.0M", "2024.05", "2024.06", MINOR),
        ("YYYY.MINOR.MICRO-MODIFIER", "2024.1.0-rc1", "2024.1.0", SMALLER),
        ("YYYY.MINOR.MICRO-MODIFIER", "2024.1.0", "2024.2.0-beta", MINOR),
        ("0M.YYYY", "05.2024", "06.2024", MINOR),  # the year leads, wherever it is written
        ("0M.YYYY", "05.2024", "05.2025", MAJOR),
        ("YYYY.0M", "2024.05", "latest", MAJOR),
    ],
)
def test_calendar(pattern, old, new, expected):
    assert level("Calendar", old, new, version_pattern=pattern) == expected


def test_calendar_without_a_pattern_reads_leading_numbers():
    assert level("Calendar", "2024.05.1", "2024.06.1") == MINOR


@pytest.mark.parametrize("scheme", SCHEME_NAMES)
def test_every_scheme_has_release_numbers(scheme):
    version = make_version("2024.5.1", scheme=scheme, version_pattern="YYYY.MM.MICRO")
    assert release_numbers(version) == ("2024", "5", "1")
    assert release_numbers(make_version("nightly", scheme=scheme)) == ()


@pytest.mark.parametrize("scheme", SCHEME_NAMES)
def test_equal_versions_are_a_smaller_change(scheme):
    version = make_version("1.0.0", scheme=scheme, version_pattern="YYYY.MM.MICRO")
    assert change_level(version, version) == SMALLER


def test_schemes_must_match():
    with pytest.raises(ValueError, match="different schemes"):
        change_level(make_version("1.0", scheme="RPM"), make_version("1.0", scheme="Semantic"))
