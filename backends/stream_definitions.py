"""Release streams defined by hand (issue #20), before the rest are detected.

A :class:`StreamDefinition` with a pattern (a regular expression searched in the version as
shown, e.g. ``^18\\.`` for an LTS line) is a stream of its own: it takes every version it
finds, and a version found by several belongs to the first, in the defined order. Only the
versions no definition took are placed in the detected streams
(:func:`backends.versions.streams.detect_streams`).
Which detected streams exist is still decided over all the versions, so taking a line out
never renames or joins the others; a detected stream whose versions were all taken is gone.
A definition with an empty pattern defines no stream: it marks the *detected* stream of its
name (``3.8``, ``16``, ``other``) end-of-life on its date, which is how a detected line is
retired. Names of definitions with a pattern never look like detected names
(:func:`name_problem`), so no two streams share a name.

Patterns were validated when entered and run here within the user regexes' limits
(:func:`backends.regexes.search`), with ONE time budget (``REGEX_TIMEOUT``) for all the
definitions and versions of a project together: a pattern that fails (too slow on some
version, over a budget) takes no further version, and one line is logged; the versions it
would have taken are detected. A pattern that failed on a version with at least half the
budget is not run on that version again in this process (:data:`FAILURES`), so the next
page view does not wait for it. A hand-defined stream is a backport line when a stream whose
versions are all higher started before its last release (and a detected stream is one, too,
when such a newer stream is a hand-defined one).

(A module of its own, not part of :mod:`backends.versions`: it runs user regexes, and
:mod:`backends.regexes` already depends on the version schemes.)
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from backends import config
from backends.regexes import PatternFailed, search
from backends.versions.streams import (
    DatedVersion,
    Stream,
    detect_streams,
    make_stream,
    version_order,
)

logger = logging.getLogger(__name__)

#: The longest name of a hand-defined stream.
NAME_MAX_LENGTH = 40
#: The names detection gives: ``3``, ``3.12``, ``1!2``, ``1!2.0`` and ``other``.
DETECTED_NAME = re.compile(r"(?:\d+!)?\d+(?:\.\d+)?|other", re.IGNORECASE | re.ASCII)


@dataclass(frozen=True)
class StreamDefinition:
    """A stream defined by hand: a name and a pattern, or (empty pattern) the end of life
    of the detected stream of that name."""

    name: str
    pattern: str = ""
    end_of_life: date | None = None


class _Failures:
    """The (pattern, version) pairs a pattern failed on with a fair share of the budget (at
    least half), kept per process: a pattern too slow on one version costs its time once, not
    on every page view. Bounded, oldest forgotten first."""

    def __init__(self, size: int = 1000) -> None:
        self.size = size
        self._pairs: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, pair: object) -> bool:
        with self._lock:
            return pair in self._pairs

    def add(self, pair: tuple[str, str]) -> None:
        with self._lock:
            self._pairs[pair] = None
            while len(self._pairs) > self.size:
                self._pairs.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pairs.clear()


FAILURES = _Failures()


def _claim(
    items: Sequence[DatedVersion], definitions: Sequence[StreamDefinition], timeout: float | None
) -> tuple[list[list[DatedVersion]], list[DatedVersion]]:
    """The versions each definition takes (first match wins), and those none takes."""
    claimed: list[list[DatedVersion]] = [[] for _ in definitions]
    rest: list[DatedVersion] = []
    budget = config.current().regex_timeout if timeout is None else timeout
    deadline = time.monotonic() + budget
    failed: set[int] = set()
    for item in items:
        text = item.version.parsed
        for index, definition in enumerate(definitions):
            if index in failed:
                continue
            pair = (definition.pattern, text)
            given = deadline - time.monotonic()
            try:
                if pair in FAILURES:
                    raise PatternFailed("it failed on this version before")
                found = search(definition.pattern, text, timeout=given)
            except PatternFailed as error:
                if budget > 0 and given >= budget / 2:
                    FAILURES.add(pair)
                logger.warning(
                    "The pattern %r of stream %r failed on version %r and takes no more "
                    "versions: %s",
                    definition.pattern,
                    definition.name,
                    text,
                    error,
                )
                failed.add(index)
                continue
            if found:
                claimed[index].append(item)
                break
        else:
            rest.append(item)
    return claimed, rest


def _newer(stream: Stream, than: Stream) -> bool:
    """``stream`` is a newer line than ``than``: every version of it is higher."""
    return version_order(stream.versions[0]) > version_order(than.versions[-1])


def _backports(stream: Stream, streams: Sequence[Stream]) -> bool:
    """A hand-defined stream, or any stream beside one: patched once a newer line existed."""
    last = stream.last_release
    return last is not None and any(
        other is not stream
        and (other.defined or stream.defined)
        and (other.defined or other.key)
        and other.first_release is not None
        and other.first_release < last
        and _newer(other, stream)
        for other in streams
    )


def release_streams(
    items: Iterable[DatedVersion],
    definitions: Sequence[StreamDefinition] = (),
    *,
    timeout: float | None = None,
) -> list[Stream]:
    """The release streams of ``items``: the hand-defined ones that took a version, in the
    defined order, then the detected ones, newest stream first.

    Every version lands in exactly one stream; the result does not depend on the order of
    ``items``. ``timeout`` is the time all the definitions' patterns may take together
    (default ``REGEX_TIMEOUT``).
    """
    ordered = sorted(items, key=version_order)
    with_pattern = [definition for definition in definitions if definition.pattern]
    claimed, rest = _claim(ordered, with_pattern, timeout)
    defined = [
        make_stream((), definition.name, members, defined=True, end_of_life=definition.end_of_life)
        for definition, members in zip(with_pattern, claimed, strict=True)
        if members
    ]
    retired = {d.name.lower(): d.end_of_life for d in definitions if not d.pattern}
    left = {id(item) for item in rest}
    detected = [
        replace(stream, end_of_life=retired.get(stream.name.lower()))
        for stream in detect_streams(ordered, placed=lambda item: id(item) in left)
    ]
    streams = [*defined, *detected]
    if not defined:
        return streams
    return [
        replace(stream, backports=stream.backports or _backports(stream, streams))
        for stream in streams
    ]


def name_problem(name: str, *, has_pattern: bool) -> str | None:
    """Why ``name`` cannot name a hand-defined stream; None when it can.

    A stream with a pattern takes a name detection never gives (so no two streams share a
    name); an empty pattern names the detected stream it marks end-of-life.
    """
    if not name:
        return "Give the stream a name."
    if len(name) > NAME_MAX_LENGTH:
        return f"At most {NAME_MAX_LENGTH} characters."
    if not name.isprintable():
        return "Use printable characters only (no tabs, line breaks or control characters)."
    detected = DETECTED_NAME.fullmatch(name) is not None
    if has_pattern and detected:
        return (
            f"{name!r} is how a detected stream is named; choose another name (e.g. "
            f"{name + ' LTS'!r}), or leave the pattern empty to mark the detected stream."
        )
    if not has_pattern and not detected:
        return (
            "Without a pattern the name must be a detected stream's (like 3.12, 16 or other): "
            "the definition marks that stream end-of-life."
        )
    return None


def pattern_problem(
    pattern: str, texts: Iterable[str], *, timeout: float | None = None
) -> str | None:
    """Why ``pattern`` (already validated as a user regex) cannot run over ``texts``, the
    project's versions now, within one time budget; None when it can."""
    budget = config.current().regex_timeout if timeout is None else timeout
    deadline = time.monotonic() + budget
    for text in texts:
        try:
            search(pattern, text, timeout=deadline - time.monotonic())
        except PatternFailed as error:
            return (
                f"The regular expression cannot be used on this project's version {text!r}: "
                f"{error}."
            )
    return None
