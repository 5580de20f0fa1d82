"""The common part of every version scheme: prefix stripping, filters, comparisons.

A :class:`Version` wraps one raw upstream string. Each scheme turns the prefix-stripped string
into a ``sort_key``: a tuple that Python can compare with the key of ANY other version of the
same scheme, however hostile the strings are. Ordering and equality are defined from that key
alone, so every scheme is a consistent total preorder by construction (no cmp-functions that
could be intransitive, no TypeError from a ``sorted()`` call on junk upstream tags).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, ClassVar

from packaging.version import Version as PackagingVersion

# Anitya's `v\d.*`: many projects tag `v1.2`, so a `v` directly before a digit is dropped.
_V_BEFORE_DIGIT = re.compile(r"v[0-9]")
# `!odds` or `!odds:<n>`: flag a version whose release component n (default 1, the minor) is
# odd, for projects that use odd minors for development series (GNOME, the Linux kernel once).
_ODDS = re.compile(r"!odds(?::(-?[0-9]{1,9}))?")


def split_entries(value: str | None) -> list[str]:
    """The non-blank, whitespace-trimmed entries of a `;`-separated project field.

    Trimming lets users write `alpha; beta` as naturally as `alpha;beta`; a blank entry (from
    `;alpha`, `a;;b` or a trailing `;`) means nothing and is dropped.
    """
    if not value:
        return []
    return [entry for entry in (part.strip() for part in value.split(";")) if entry]


def strip_prefixes(raw: str, version_prefix: str | None) -> str:
    """The version as users read it: project prefix and a leading `v` removed.

    Of the `;`-separated prefixes the raw string starts with, the longest wins (`foo-` and
    `foo-bar-` both configured: `foo-bar-1.0` gives `1.0`, not `bar-1.0`). Surrounding
    whitespace is trimmed, then a `v` directly followed by a digit is dropped, with or without
    a prefix configured (`foo-v1.2` -> `1.2`, `v2` -> `2`, but `version-2` stays).
    """
    best = ""
    for prefix in split_entries(version_prefix):
        if len(prefix) > len(best) and raw.startswith(prefix):
            best = prefix
    version = raw[len(best) :].strip()
    if _V_BEFORE_DIGIT.match(version):
        version = version[1:]
    return version


def is_filtered(raw: str, version_filter: str | None, version_prefix: str | None = None) -> bool:
    """True when the project's version filter hides this raw version.

    Any non-blank trimmed entry that is a substring of the raw string, or of the whole prefix
    field concatenated with it (so a filter can match across the prefix boundary), hides it.
    """
    # raw is a substring of prefix + raw, so one test covers both of Anitya's cases.
    haystack = (version_prefix or "") + raw
    return any(entry in haystack for entry in split_entries(version_filter))


def matches_pre_release_filter(raw: str, pre_release_filter: str | None) -> bool:
    """True when a pre-release filter entry marks the raw version as a pre-release.

    Entries are tested against the RAW string (prefix included), as Anitya does. Deliberate fix
    of Anitya's pitfall 17: Anitya returned "not a pre-release" at the first empty entry, so
    `;alpha` or `rc;;beta` silently disabled every later entry; here empty entries are simply
    ignored and every other entry still counts.
    """
    for entry in split_entries(pre_release_filter):
        odds = _ODDS.fullmatch(entry)
        if odds:
            index = int(odds.group(1)) if odds.group(1) else 1
            if _release_component_is_odd(raw, index):
                return True
        elif entry in raw:
            return True
    return False


def _release_component_is_odd(raw: str, index: int) -> bool:
    # Unparsable versions and missing components do not match (Anitya skips the entry).
    try:
        component = PackagingVersion(raw).release[index]
    except (ValueError, IndexError):
        return False
    return component % 2 == 1


def number_key(digits: str) -> tuple[int, str]:
    """A key ordering ASCII digit strings by numeric value, leading zeros ignored.

    Cheaper and safer than int(): upstream strings may carry thousands of digits, and Python
    refuses int() of more than 4300 digits.
    """
    significant = digits.lstrip("0")
    return (len(significant), significant)


class Version:
    """One upstream version under a scheme; see the module docstring for the ordering design.

    Subclasses set ``scheme_name`` and implement :meth:`_sort_key` (and, where the scheme has
    its own notion of pre-releases, :meth:`_scheme_prerelease`).
    """

    scheme_name: ClassVar[str]

    def __init__(
        self,
        raw: str,
        *,
        version_prefix: str | None = None,
        pre_release_filter: str | None = None,
        version_pattern: str | None = None,
    ) -> None:
        if not isinstance(raw, str):
            raise TypeError(f"a version is a string, not {type(raw).__name__}")
        self.raw = raw
        self.version_prefix = version_prefix
        self.pre_release_filter = pre_release_filter
        self.version_pattern = version_pattern
        # The prefix-stripped string every scheme starts from.
        self.stripped = strip_prefixes(raw, version_prefix)

    @property
    def parsed(self) -> str:
        """The string shown to users and stored as ``latest_version``."""
        return self.stripped

    @cached_property
    def sort_key(self) -> tuple[Any, ...]:
        """Comparable with the key of any other version of the same scheme."""
        return self._sort_key()

    def _sort_key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def is_prerelease(self) -> bool:
        """Scheme-specific detection first, then the project's pre-release filter."""
        return self._scheme_prerelease() or matches_pre_release_filter(
            self.raw, self.pre_release_filter
        )

    def _scheme_prerelease(self) -> bool:
        return False

    def is_postrelease(self) -> bool:
        """Only PEP 440 knows post-releases; every other scheme says False."""
        return False

    def _other_key(self, other: object) -> tuple[Any, ...] | None:
        # Versions of different schemes are not comparable: their keys have nothing in common.
        if isinstance(other, Version) and other.scheme_name == self.scheme_name:
            return other.sort_key
        return None

    def __eq__(self, other: object) -> bool:
        key = self._other_key(other)
        if key is None:
            return NotImplemented
        return self.sort_key == key

    def __hash__(self) -> int:
        return hash((self.scheme_name, self.sort_key))

    def __lt__(self, other: object) -> bool:
        key = self._other_key(other)
        if key is None:
            return NotImplemented
        return self.sort_key < key

    def __le__(self, other: object) -> bool:
        key = self._other_key(other)
        if key is None:
            return NotImplemented
        return self.sort_key <= key

    def __gt__(self, other: object) -> bool:
        key = self._other_key(other)
        if key is None:
            return NotImplemented
        return self.sort_key > key

    def __ge__(self, other: object) -> bool:
        key = self._other_key(other)
        if key is None:
            return NotImplemented
        return self.sort_key >= key

    def __str__(self) -> str:
        return self.parsed

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.raw!r})"
