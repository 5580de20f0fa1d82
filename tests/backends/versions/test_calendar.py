"""The Calendar scheme: every CalVer token, modifiers, and versions the pattern cannot split."""

import pytest

from backends.versions import InvalidCalendarPattern, make_version, sort_versions, validate_pattern
from backends.versions.calendar import split_calendar


def cal(raw, pattern, **kwargs):
    return make_version(raw, scheme="Calendar", version_pattern=pattern, **kwargs)


@pytest.mark.parametrize(
    ("pattern", "raw", "fields"),
    [
        ("YYYY.MM.DD", "2024.1.5", {"year": "2024", "month": "1", "day": "5"}),
        ("YYYY.0M.0D", "2024.01.05", {"year": "2024", "month": "01", "day": "05"}),
        ("YY.0M.MICRO", "24.05.3", {"year": "24", "month": "05", "micro": "3"}),
        ("YY.MM", "6.1", {"year": "6", "month": "1"}),
        ("YY.MM", "106.12", {"year": "106", "month": "12"}),
        ("0Y.MM", "06.1", {"year": "06", "month": "1"}),
        ("0Y.MM", "16.1", {"year": "16", "month": "1"}),
        ("YYYY.WW", "2024.9", {"year": "2024", "week": "9"}),
        ("YYYY.WW", "2024.53", {"year": "2024", "week": "53"}),
        ("YYYY.0W", "2024.09", {"year": "2024", "week": "09"}),
        ("YYYY0M0D", "20240105", {"year": "2024", "month": "01", "day": "05"}),
        ("YYYY.MINOR.MICRO", "2024.10.300", {"year": "2024", "minor": "10", "micro": "300"}),
        (
            "YYYY.0W.MICRO-MODIFIER",
            "2024.07.2-rc12",
            {"year": "2024", "week": "07", "micro": "2", "modifier": "rc12"},
        ),
        ("YYYY.MM.MODIFIER", "2024.5.beta", {"year": "2024", "month": "5", "modifier": "beta"}),
        ("yyyy.mm", "2024.5", {"year": "2024", "month": "5"}),
        ("vYYYY.MM", "V2024.5", {"year": "2024", "month": "5"}),
        # A version may stop after any complete token.
        ("YYYY.0M.MICRO", "2024.05", {"year": "2024", "month": "05"}),
        ("YYYY.0M.MICRO-MODIFIER", "2024.05.1", {"year": "2024", "month": "05", "micro": "1"}),
    ],
)
def test_split_by_pattern(pattern, raw, fields):
    assert split_calendar(raw, pattern) == fields


@pytest.mark.parametrize(
    ("pattern", "raw"),
    [
        ("YYYY.MM.DD", "2024.01.05"),  # MM and DD are unpadded
        ("YYYY.0M", "2024.5"),  # 0M is two digits
        ("YYYY.MM", "2024.13"),
        ("YYYY.MM", "0999.1"),
        ("YYYY.MM", "24.1"),
        ("YYYY.DD", "2024.32"),
        ("YYYY.WW", "2024.54"),
        ("YYYY.WW", "2024.09"),
        ("YYYY.0W", "2024.9"),
        ("YYYY.0W", "2024.00"),
        ("0Y.MM", "6.1"),
        ("YYYY.MM", "2024.1.1"),  # text left over after the pattern
        ("YYYY.MM", "2024."),  # a delimiter with no token after it
        ("YYYY.MM", "2024-1"),  # wrong delimiter
        ("YYYY.MM", "\u0662\u0660\u0662\u0664.1"),  # only ASCII digits
        ("YYYY.MM", ""),
        (None, "2024.1"),
        ("", "2024.1"),
        ("MODIFIER.YYYY", "rc.2024"),  # MODIFIER must be last
        ("YYYY.YY", "2024.24"),  # two year tokens
        ("1.2.3", "1.2.3"),  # no token at all
    ],
)
def test_versions_the_pattern_cannot_split(pattern, raw):
    assert split_calendar(raw, pattern) is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("MODIFIER.YYYY", "MODIFIER must come last"),
        ("YYYY.YY", "more than one year token"),
        ("0M.MM", "more than one month token"),
        ("x.y", "no calendar token"),
    ],
)
def test_validate_pattern_explains_what_is_wrong(pattern, message):
    with pytest.raises(InvalidCalendarPattern, match=message):
        validate_pattern(pattern)


def test_validate_pattern_accepts_documented_patterns():
    for pattern in ("YYYY.MM.DD", "YY.0M.MICRO", "YYYY.WW", "YYYY.0W.MICRO-MODIFIER", "0Y.MINOR"):
        validate_pattern(pattern)


# (pattern, older, newer)
CALENDAR_LESS = [
    ("YYYY.MM.DD", "2023.12.31", "2024.1.1"),
    ("YYYY.MM.DD", "2024.1.5", "2024.1.10"),
    ("YYYY.MM.DD", "2024.2.1", "2024.10.1"),
    ("YY.0M.MICRO", "24.05.1", "24.05.2"),
    ("YY.0M.MICRO", "24.05.9", "24.05.10"),
    ("YY.0M.MICRO", "24.05.10", "24.06.0"),
    ("YY.0M.MICRO", "9.12.0", "10.01.0"),
    ("YYYY.WW", "2024.9", "2024.10"),
    ("YYYY.WW", "2024.53", "2025.1"),
    ("YYYY.0W.MICRO-MODIFIER", "2024.01.0-rc1", "2024.01.0-rc2"),
    ("YYYY.0W.MICRO-MODIFIER", "2024.01.0-rc9", "2024.01.0-rc12"),
    ("YYYY.0W.MICRO-MODIFIER", "2024.01.0-rc12", "2024.01.0"),
    ("YYYY.0W.MICRO-MODIFIER", "2024.01.0", "2024.01.1-alpha"),
    ("YYYY.0W.MICRO-MODIFIER", "2024.01.0-rc", "2024.01.0-rc1"),
    # Modifiers compare alphabetically, like RPM markers.
    ("YYYY.MM-MODIFIER", "2024.1-alpha2", "2024.1-beta1"),
    ("YYYY.MM-MODIFIER", "2024.1-beta1", "2024.1-dev1"),
    ("YYYY.MM-MODIFIER", "2024.1-dev1", "2024.1-pre1"),
    ("YYYY.MM-MODIFIER", "2024.1-pre1", "2024.1-rc1"),
    # A missing trailing field sorts below any value of it.
    ("YYYY.0M.MICRO", "2024.05", "2024.05.0"),
    ("YYYY.0M.MICRO", "2024.05.7", "2024.06"),
    # Versions the pattern cannot split sort lowest, among themselves by text.
    ("YYYY.MM", "2024.13", "2020.1"),
    ("YYYY.MM", "junk", "1000.1"),
    ("YYYY.MM", "a-junk", "b-junk"),
    (None, "2024.2", "2024.3"),
]


@pytest.mark.parametrize(("pattern", "older", "newer"), CALENDAR_LESS)
def test_calendar_orders(pattern, older, newer):
    assert cal(older, pattern) < cal(newer, pattern)
    assert cal(newer, pattern) > cal(older, pattern)


@pytest.mark.parametrize(
    ("pattern", "a", "b"),
    [
        ("YYYY.MM.MICRO", "2024.1.05", "2024.1.5"),
        ("YYYY.MM-MODIFIER", "2024.1-RC1", "2024.1-rc1"),
        ("YYYY.MM-MODIFIER", "2024.1-rc01", "2024.1-rc1"),
        ("YYYY.MM", "v2024.1", "2024.1"),
    ],
)
def test_calendar_equal(pattern, a, b):
    assert cal(a, pattern) == cal(b, pattern)


def test_calendar_release_history():
    pattern = "YYYY.0M.MICRO-MODIFIER"
    history = ["2023.12.0", "2024.01.0-alpha1", "2024.01.0-rc1", "2024.01.0", "2024.01.1"]
    shuffled = [history[i] for i in (3, 0, 4, 2, 1)]
    assert [v.raw for v in sort_versions(cal(r, pattern) for r in shuffled)] == history


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024.01.0-rc1", True),
        ("2024.01.0-beta", True),
        ("2024.01.0", False),
        ("2024.01", False),
        ("not-calendar-rc1", False),
    ],
)
def test_calendar_prerelease_is_a_modifier(raw, expected):
    assert cal(raw, "YYYY.0M.MICRO-MODIFIER").is_prerelease() is expected


def test_calendar_prerelease_filter_applies_without_modifier():
    assert cal("2024.01.0", "YYYY.0M.MICRO", pre_release_filter="2024.01").is_prerelease()


def test_calendar_overlong_versions_are_not_split():
    # Two adjacent free numbers could make matching slow on a huge string.
    raw = "1" * 100_000 + "x"
    assert cal(raw, "MINORMICRO.") < cal("1.2", "MINOR.MICRO")
    assert split_calendar(raw, "MINORMICRO") is None
