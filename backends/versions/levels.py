"""How big a step lies between two versions of one scheme: major, minor, patch or smaller.

A version's *release numbers* are the leading numbers of its parsed form, read the way its
scheme reads it:

=================  ==========================================================================
scheme             release numbers
=================  ==========================================================================
Semantic           major, minor, patch (`1.2.3-rc.1` -> 1, 2, 3)
Python (PEP 440)   the release segment (`1!2.0.1rc1` -> 2, 0, 1); a different epoch is major
Calendar           the numeric fields the pattern names, in the scheme's order: year, month,
                   week, day, minor, micro (`2024.05.1` under `YYYY.0M.MICRO` -> 2024, 5, 1)
RPM                the leading digit runs joined by `.`, `_` or `-` (`1.2.3-rc1` -> 1, 2, 3;
                   `1_84_0` -> 1, 84, 0)
=================  ==========================================================================

A string its scheme cannot read (not strict SemVer, not PEP 440, outside the calendar
pattern) falls back to the RPM reading. The first position where two versions' numbers
differ decides: the first is a major change, the second a minor one, the third a patch; a
fourth number, or numbers that are equal (a pre-release, post-release, build or modifier
changed), is a smaller change. Missing trailing numbers count as zeros (`1.2` and `1.2.0`
differ by less than a patch). A version without any number is a major change from any
version it differs from. Numbers are compared by value, without converting them to ``int``
(upstream strings may carry thousands of digits).
"""

from __future__ import annotations

import enum
import re

from backends.versions.base import Version
from backends.versions.calendar import CalendarVersion
from backends.versions.pep440 import Pep440Version
from backends.versions.semantic import SemanticVersion, parse_semver

# Digit runs from the start of the string, joined by one separator each.
_LEADING_NUMBERS = re.compile(r"[0-9]+(?:[._-][0-9]+)*")
_SEPARATORS = re.compile(r"[._-]")
# The numeric calendar fields, in the order the Calendar scheme sorts them.
_CALENDAR_FIELDS = ("year", "month", "week", "day", "minor", "micro")


class Change(enum.IntEnum):
    """The size of the step between two versions; bigger members compare greater."""

    SMALLER = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3


#: The change a difference in the first, second and third release number makes.
_BY_POSITION = (Change.MAJOR, Change.MINOR, Change.PATCH)


def _number(digits: str) -> str:
    # A digit string by value: "007" and "7" are the same number, "0" and "00" too.
    return digits.lstrip("0") or "0"


def _leading_numbers(text: str) -> tuple[str, ...]:
    match = _LEADING_NUMBERS.match(text)
    if match is None:
        return ()
    return tuple(_number(part) for part in _SEPARATORS.split(match.group(0)))


def release_numbers(version: Version) -> tuple[str, ...]:
    """The release numbers of ``version`` (see the module docstring); ``()`` when it has none.

    For PEP 440 versions the epoch is left out: :func:`change_level` compares it first.
    """
    if isinstance(version, Pep440Version) and version.pep440 is not None:
        return tuple(str(number) for number in version.pep440.release)
    if isinstance(version, SemanticVersion):
        semantic = parse_semver(version.parsed)
        if semantic is not None:
            return (str(semantic.major), str(semantic.minor), str(semantic.patch))
    if isinstance(version, CalendarVersion):
        fields = version.fields()
        if fields is not None:
            return tuple(
                _number(fields[name]) for name in _CALENDAR_FIELDS if name in fields
            ) or _leading_numbers(version.parsed)
    return _leading_numbers(version.parsed)


def _epoch(version: Version) -> int:
    if isinstance(version, Pep440Version) and version.pep440 is not None:
        return version.pep440.epoch
    return 0


def change_level(old: Version, new: Version) -> Change:
    """How big a change ``new`` is from ``old`` (either may be the older one).

    Both must be of the same scheme (:class:`ValueError` otherwise). Versions that compare
    equal are a :attr:`Change.SMALLER` change.
    """
    if old.scheme_name != new.scheme_name:
        raise ValueError(f"versions of different schemes: {old.scheme_name} and {new.scheme_name}")
    if old == new:
        return Change.SMALLER
    if _epoch(old) != _epoch(new):
        return Change.MAJOR
    old_numbers, new_numbers = release_numbers(old), release_numbers(new)
    if not old_numbers or not new_numbers:
        return Change.MAJOR
    length = max(len(old_numbers), len(new_numbers))
    old_padded = old_numbers + ("0",) * (length - len(old_numbers))
    new_padded = new_numbers + ("0",) * (length - len(new_numbers))
    for position, (before, after) in enumerate(zip(old_padded, new_padded, strict=True)):
        if before != after:
            return _BY_POSITION[position] if position < len(_BY_POSITION) else Change.SMALLER
    return Change.SMALLER
