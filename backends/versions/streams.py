"""Release streams detected from a project's versions: the parallel lines a packager follows.

The rule, for every scheme alike, reads each version's release numbers the way its scheme
reads them (:func:`backends.versions.levels.release_numbers`; the epoch of a PEP 440 version
comes first, so `1!2.0` is never in the stream of `2.0`):

1. Versions are grouped by their first release number, the *major* (`16.4` -> `16`). Under a
   Calendar scheme the first number is the year, so a CalVer project gets one stream per year
   (`24.1.0`, `24.8.0` -> `24`), which is what a packager of e.g. Ubuntu-style `22.04.x` and
   `24.04.x` lines expects; a project without backports simply shows the years as plain lines.
2. A major is split into *major.minor* streams when its minor lines are maintained in
   parallel: some minor line received a release dated strictly after the first release of a
   newer minor line of the same major (CPython 3.11.6 after 3.12.0, PostgreSQL 9.5.x after
   9.6.0, Node 0.10.x after 0.12.0). A major whose minors follow one another (Node 18.x,
   PostgreSQL 16.x, pip) stays one stream. Without dates nothing overlaps, so a major stays
   whole: the split is never guessed from version numbers alone. "Strictly after" is kept on
   purpose, checked on real recorded histories (tests/projects/test_recorded_streams.py):
   npm gives ``request``'s 0.8.3, 0.9.0, 0.10.0 and 1.0.0 one publication instant (the
   registry's import), and 1.9.9 came out hours before 2.0.0 on the same day; counting equal
   times, or the same day, would make those lines parallel. A backport published with (or
   just after) a new line's first release is still caught by its exact time, or by the line's
   next release.
3. Versions without any release number (`nightly`, junk tags) share one stream keyed ``()``.

A stream is a *backport* line when it received a release dated strictly after the first
release of a stream with a higher key, i.e. it was still patched once a newer line existed.

Streams defined by hand (a name and a pattern, or the end-of-life mark of a detected stream)
are :mod:`backends.stream_definitions`: only the versions they do not take reach
:func:`detect_streams`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from backends.versions.base import Version
from backends.versions.levels import release_numbers
from backends.versions.pep440 import Pep440Version

#: A stream's key: the epoch (for PEP 440, else "0") then the major, and the minor when split;
#: empty for the unnumbered versions and for a hand-defined stream.
StreamKey = tuple[str, ...]


@dataclass(frozen=True)
class DatedVersion:
    """One version with the date it was published (or, failing that, first retrieved)."""

    version: Version
    released: datetime | None = None


@dataclass(frozen=True)
class Stream:
    """One release stream; ``versions`` are oldest first by the scheme's order."""

    key: StreamKey
    name: str
    versions: tuple[DatedVersion, ...]
    latest: Version
    latest_stable: Version | None
    first_release: datetime | None
    last_release: datetime | None
    backports: bool
    #: Defined by hand (:mod:`backends.stream_definitions`) rather than detected.
    defined: bool = False
    #: The day the line stopped being maintained, when someone marked it.
    end_of_life: date | None = None


def _epoch(version: Version) -> str:
    if isinstance(version, Pep440Version) and version.pep440 is not None:
        return str(version.pep440.epoch)
    return "0"


def _number_order(number: str) -> tuple[int, str]:
    # release_numbers gives digit strings without leading zeros: order by length, then text.
    return (len(number), number)


def _key_order(key: StreamKey) -> tuple[tuple[int, str], ...]:
    return tuple(_number_order(part) for part in key)


def version_order(item: DatedVersion) -> tuple[object, ...]:
    # The order of backends.versions.sort_versions: sort key, ties by raw string.
    return (item.version.sort_key, item.version.raw)


def _name(key: StreamKey) -> str:
    if not key:
        return "other"
    epoch, *numbers = key
    dotted = ".".join(numbers)
    return dotted if epoch == "0" else f"{epoch}!{dotted}"


def _dates(items: Iterable[DatedVersion]) -> list[datetime]:
    return [item.released for item in items if item.released is not None]


def _minors_in_parallel(by_minor: dict[str, list[DatedVersion]]) -> bool:
    """True when an older minor line got a release after a newer one had started."""
    ordered = sorted(by_minor, key=_number_order)
    newer_start: datetime | None = None
    for minor in reversed(ordered):
        dates = _dates(by_minor[minor])
        if not dates:
            continue
        if newer_start is not None and max(dates) > newer_start:
            return True
        start = min(dates)
        newer_start = start if newer_start is None else min(newer_start, start)
    return False


def _group(items: Sequence[DatedVersion]) -> dict[StreamKey, list[DatedVersion]]:
    majors: dict[StreamKey, dict[str, list[DatedVersion]]] = {}
    unnumbered: list[DatedVersion] = []
    for item in items:
        numbers = release_numbers(item.version)
        if not numbers:
            unnumbered.append(item)
            continue
        minor = numbers[1] if len(numbers) > 1 else "0"
        major_key: StreamKey = (_epoch(item.version), numbers[0])
        majors.setdefault(major_key, {}).setdefault(minor, []).append(item)
    groups: dict[StreamKey, list[DatedVersion]] = {}
    for major_key, by_minor in majors.items():
        if len(by_minor) > 1 and _minors_in_parallel(by_minor):
            for minor, members in by_minor.items():
                groups[(*major_key, minor)] = members
        else:
            groups[major_key] = [member for members in by_minor.values() for member in members]
    if unnumbered:
        groups[()] = unnumbered
    return groups


def make_stream(
    key: StreamKey,
    name: str,
    members: list[DatedVersion],
    *,
    defined: bool = False,
    end_of_life: date | None = None,
) -> Stream:
    """The stream of ``members`` (oldest first, not empty), its backport mark not yet set."""
    dates = _dates(members)
    first, last = (min(dates), max(dates)) if dates else (None, None)
    stable = [item.version for item in members if not item.version.is_prerelease()]
    return Stream(
        key=key,
        name=name,
        versions=tuple(members),
        latest=members[-1].version,
        latest_stable=stable[-1] if stable else None,
        first_release=first,
        last_release=last,
        backports=False,
        defined=defined,
        end_of_life=end_of_life,
    )


def detect_streams(
    items: Iterable[DatedVersion], *, placed: Callable[[DatedVersion], bool] | None = None
) -> list[Stream]:
    """The release streams of ``items`` (see the module docstring), newest stream first.

    Every version lands in exactly one stream. The result does not depend on the order of
    ``items``: versions are ordered by their scheme, streams by their key.

    With ``placed``, the streams are still decided over all of ``items`` (which lines exist,
    where a major is split), but only the versions ``placed`` accepts are put in them, and a
    stream left without any is dropped: hand-defined streams took the others
    (:mod:`backends.stream_definitions`), and taking a line out must not rename the rest.
    """
    groups = _group(sorted(items, key=version_order))
    if placed is not None:
        kept = {key: [item for item in members if placed(item)] for key, members in groups.items()}
        groups = {key: members for key, members in kept.items() if members}
    keys = sorted(groups, key=_key_order, reverse=True)
    streams: list[Stream] = []
    # Walking from the newest stream down, the earliest first release among higher keys.
    newer_start: datetime | None = None
    for key in keys:
        stream = make_stream(key, _name(key), groups[key])
        first, last = stream.first_release, stream.last_release
        backports = bool(
            key and last is not None and newer_start is not None and last > newer_start
        )
        streams.append(replace(stream, backports=backports))
        if key and first is not None:
            newer_start = first if newer_start is None else min(newer_start, first)
    return streams
