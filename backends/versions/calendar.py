"""The Calendar scheme: CalVer (https://calver.org) read through the project's pattern.

The pattern (``version_pattern``, upper-cased before use) is a sequence of tokens and literal
characters, e.g. `YYYY.0M.MICRO-MODIFIER`:

=========  ===================================================
token      matches
=========  ===================================================
YYYY       full year: 4 digits, not starting with 0 (2006)
YY         short year: 1-3 digits, not starting with 0 (6, 16, 106)
0Y         zero-padded short year: 2-3 digits (06, 16, 106)
MM         month 1-12, unpadded
0M         month 01-12, two digits
WW         ISO week 1-53, unpadded
0W         ISO week 01-53, two digits
DD         day 1-31, unpadded
0D         day 01-31, two digits
MINOR      any number
MICRO      any number
MODIFIER   the rest of the version (must be the last token): text, then an optional number
=========  ===================================================

Any other character is a literal delimiter that must match one character (case-insensitively,
since the pattern is upper-cased). A version may stop after any complete token (`2024.05` under
`YYYY.0M.MICRO`): the fields it lacks sort below any value (`2024.05` < `2024.05.0`).

Deliberate fixes of Anitya (pitfall 18): the week tokens exist, `YY` takes a one-digit year as
calver.org documents, and a modifier keeps its WHOLE trailing number (`rc12` is 12, not 2).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from backends.versions.base import Version, number_key

# Longest tokens first, so that `YYYY` is not read as `YY` twice and `MINOR` not as `MM`...
_TOKENS: dict[str, tuple[str, str]] = {
    "MODIFIER": ("modifier", r"(?P<modifier>.+)"),
    "MINOR": ("minor", r"(?P<minor>[0-9]+)"),
    "MICRO": ("micro", r"(?P<micro>[0-9]+)"),
    "YYYY": ("year", r"(?P<year>[1-9][0-9]{3})"),
    "YY": ("year", r"(?P<year>[1-9][0-9]{0,2})"),
    "0Y": ("year", r"(?P<year>0[0-9]|[1-9][0-9]{1,2})"),
    "MM": ("month", r"(?P<month>1[0-2]|[1-9])"),
    "0M": ("month", r"(?P<month>0[1-9]|1[0-2])"),
    "WW": ("week", r"(?P<week>5[0-3]|[1-4][0-9]|[1-9])"),
    "0W": ("week", r"(?P<week>0[1-9]|[1-4][0-9]|5[0-3])"),
    "DD": ("day", r"(?P<day>3[01]|[12][0-9]|[1-9])"),
    "0D": ("day", r"(?P<day>0[1-9]|[12][0-9]|3[01])"),
}
_NUMERIC_FIELDS = ("year", "month", "week", "day", "minor", "micro")
_MISSING = (0, 0, "")
_NO_MODIFIER = (1, "", 0, 0, "")  # above any modifier (0 < 1)
# Two adjacent free numbers (`MINORMICRO`) make matching quadratic in the length; real
# calendar versions are short, and the check skips versions of 50 characters or more anyway.
MAX_SPLIT_LENGTH = 256
_ASCII_DIGITS = "0123456789"


class InvalidCalendarPattern(ValueError):
    """The version pattern cannot split any version; the message says why."""


def _tokenize(pattern: str) -> list[tuple[str, str | None]]:
    # [(literal text before the token, token or None for trailing literals)]
    parts: list[tuple[str, str | None]] = []
    literal = ""
    position = 0
    while position < len(pattern):
        token = next((t for t in _TOKENS if pattern.startswith(t, position)), None)
        if token is None:
            literal += pattern[position]
            position += 1
            continue
        parts.append((literal, token))
        literal = ""
        position += len(token)
    if literal:
        parts.append((literal, None))
    return parts


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The regex splitting versions of ``pattern``; raises :class:`InvalidCalendarPattern`."""
    parts = _tokenize(pattern.upper())
    tokens = [token for _, token in parts if token is not None]
    if not tokens:
        raise InvalidCalendarPattern(
            f'The version pattern "{pattern}" has no calendar token (YYYY, MM, MICRO...)'
        )
    fields = [_TOKENS[token][0] for token in tokens]
    for field in fields:
        if fields.count(field) > 1:
            raise InvalidCalendarPattern(
                f'The version pattern "{pattern}" has more than one {field} token'
            )
    if "modifier" in fields and parts[-1][1] != "MODIFIER":
        raise InvalidCalendarPattern(f'In the version pattern "{pattern}", MODIFIER must come last')
    # Every part after the first is optional, nested so that a version can only stop right
    # after a complete token: `YYYY(?:\.MM(?:\.MICRO)?)?`.
    regex = ""
    for index, (literal, token) in enumerate(reversed(parts)):
        piece = f"(?i:{re.escape(literal)})" if literal else ""
        if token is not None:
            piece += _TOKENS[token][1]
        regex = piece + regex
        if index < len(parts) - 1:
            regex = f"(?:{regex})?"
    return re.compile(regex, re.DOTALL)


def validate_pattern(pattern: str) -> None:
    """Raise :class:`InvalidCalendarPattern` if ``pattern`` cannot be used (for the forms)."""
    compile_pattern(pattern)


def split_calendar(version: str, pattern: str | None) -> dict[str, str] | None:
    """The fields of ``version`` read through ``pattern``; None when it does not fit.

    A missing or invalid pattern splits nothing, nor does an overlong version.
    """
    if not pattern or not version or len(version) > MAX_SPLIT_LENGTH:
        return None
    try:
        regex = compile_pattern(pattern)
    except InvalidCalendarPattern:
        return None
    match = regex.fullmatch(version)
    if match is None:
        return None
    return {name: value for name, value in match.groupdict().items() if value is not None}


class CalendarVersion(Version):
    """Calendar versions ordered by year, month, week, day, minor, micro, then modifier.

    A version without a modifier is newer than one with a modifier; modifiers compare like
    RPM markers (alphabetically, case-insensitive, then by their number, numbered above
    unnumbered). Versions the pattern cannot split sort lowest, among themselves by text.
    """

    scheme_name = "Calendar"

    def fields(self) -> dict[str, str] | None:
        """The parts of the version named by the pattern's tokens, or None."""
        return split_calendar(self.parsed, self.version_pattern)

    def _sort_key(self) -> tuple[Any, ...]:
        fields = self.fields()
        if fields is None:
            return (0, self.parsed)
        numbers = tuple(
            (1, *number_key(fields[name])) if name in fields else _MISSING
            for name in _NUMERIC_FIELDS
        )
        if "modifier" in fields:
            # The modifier's text, then the number it ends with (`rc12` -> `rc`, `12`).
            text = fields["modifier"].rstrip(_ASCII_DIGITS)
            number = fields["modifier"][len(text) :]
            modifier = (0, text.lower(), 1 if number else 0, *number_key(number))
        else:
            modifier = _NO_MODIFIER
        return (1, (numbers, modifier))

    def _scheme_prerelease(self) -> bool:
        fields = self.fields()
        return fields is not None and "modifier" in fields
