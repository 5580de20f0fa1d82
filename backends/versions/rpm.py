"""The RPM scheme: rpmvercmp ordering plus Anitya's pre-release marker rule.

:func:`rpm_sort_key` encodes rpm's ``rpmvercmp()`` (lib/rpmvercmp.c) as a tuple so that
``sorted()``/``max()`` reproduce it exactly. rpmvercmp walks both strings segment by segment:
a segment is a maximal run of ASCII digits or of ASCII letters; every other character is a
separator and ignored, except ``~`` and ``^``. Comparing the token at the same position gives
this order, which is what the C code's branches amount to::

    "~"  <  end of string  <  "^"  <  letters (strcmp)  <  digits (numeric, leading 0s ignored)

The first differing token decides; equal token sequences are equal versions.
"""

from __future__ import annotations

import re
from typing import Any

from backends.versions.base import Version, number_key

_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+|~|\^")

# Token keys: (rank, number length, text). Every token is a 3-tuple of (int, int, str), so any
# two tokens compare without TypeError.
_TILDE = (0, 0, "")
_END = (1, 0, "")
_CARET = (2, 0, "")
_ALPHA = 3
_DIGITS = 4

# Anitya's split_rc (from Till Maas' cnucnu): the first rc/pre/beta/alpha/dev marker, with the
# optional dot before it and its number after it; anything after the number is ignored.
_MARKER = re.compile(r"(.*?)\.?(-?(rc|pre|beta|alpha|dev)([0-9]*))", re.IGNORECASE)

# The key of a version with no marker: above any marker (0 < 1).
_NO_MARKER = (1, "", 0, 0, "")


def rpm_sort_key(s: str) -> tuple[tuple[int, int, str], ...]:
    """A key with ``rpm_vercmp(a, b) == cmp(rpm_sort_key(a), rpm_sort_key(b))``.

    For ``max()``/``sorted()`` over directory names (glob expansion) and for the RPM scheme.
    rpm compares C strings, which end at the first NUL: what follows one does not count.
    """
    tokens: list[tuple[int, int, str]] = []
    for token in _TOKEN.findall(s.partition("\0")[0]):
        if token == "~":
            tokens.append(_TILDE)
        elif token == "^":
            tokens.append(_CARET)
        elif token[0].isdigit():
            tokens.append((_DIGITS, *number_key(token)))
        else:
            tokens.append((_ALPHA, 0, token))
    # An explicit end marker: `~` sorts below the end of a string and `^` above it, which
    # Python's "shorter tuple first" rule alone could not express.
    tokens.append(_END)
    return tuple(tokens)


def rpm_vercmp(a: str, b: str) -> int:
    """rpm's rpmvercmp: 1 if ``a`` is newer, -1 if ``b`` is newer, 0 if they are equal."""
    if a == b:
        return 0
    key_a, key_b = rpm_sort_key(a), rpm_sort_key(b)
    return (key_a > key_b) - (key_a < key_b)


def split_marker(version: str) -> tuple[str, str, str]:
    """(base, marker, number): `1.0-rc2` -> (`1.0`, `rc`, `2`); no marker -> (version, "", "")."""
    match = _MARKER.match(version)
    if not match:
        return (version, "", "")
    return (match.group(1), match.group(3), match.group(4))


class RpmVersion(Version):
    """Anitya's default scheme.

    The base (text before the first rc/pre/beta/alpha/dev marker) is compared with rpmvercmp;
    on equal bases a version without a marker is newer than one with a marker, markers compare
    alphabetically (alpha < beta < dev < pre < rc, case-insensitive) and then by their number,
    a numbered marker being newer than an unnumbered one. A version whose base is empty
    (no segment at all, e.g. `rc1` or ``""``) sorts lowest.
    """

    scheme_name = "RPM"

    def _sort_key(self) -> tuple[Any, ...]:
        base, marker, number = split_marker(self.parsed)
        base_key = rpm_sort_key(base)
        has_base = 0 if base_key == (_END,) else 1
        if marker:
            marker_key = (0, marker.lower(), 1 if number else 0, *number_key(number))
        else:
            marker_key = _NO_MARKER
        return (has_base, base_key, marker_key)

    def _scheme_prerelease(self) -> bool:
        return bool(split_marker(self.parsed)[1])
