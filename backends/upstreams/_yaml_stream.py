"""Reading an upstream's YAML as a stream of events, with every guard a hostile document needs.

Nothing is ever constructed from the document: no Python objects from tags, no expansion of
aliases. A backend walks the events and keeps only the few scalars it wants, as the text
the upstream wrote (``version: 1.10`` stays "1.10", where a YAML loader would read the
float 1.1). Memory is the body itself (already capped by the client) plus what the backend
keeps, however large the document.

The guards, each a :class:`BackendError` naming the URL:

- anchors and aliases (``&name``, ``*name``) are refused at the first one: an alias bomb
  ("billion laughs") is a few lines of them, and the documents we read never need them;
- nesting deeper than ``max_depth`` is refused as soon as it is reached;
- more than ``max_events`` nodes are refused, and the check's deadline is looked at every
  few thousand, so a huge document costs bounded time;
- a syntax error is one line saying where.

PyYAML's parser is libyaml's (``CSafeLoader``) when PyYAML was built with it, else its own,
which yields the same events, more slowly.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    NodeEvent,
    ScalarEvent,
)

from backends.base import BackendError
from backends.http import display_url

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # PyYAML without libyaml: the pure-Python parser yields the same events
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]  # same interface

MAX_DEPTH = 32
MAX_EVENTS = 5_000_000
# How many events pass between two looks at the check's deadline.
_TICK_EVERY = 4096
_MAX_PROBLEM = 120


class YamlEvents:
    """The events of a YAML stream, one at a time, refused as soon as one is unsafe."""

    def __init__(
        self,
        content: bytes,
        url: str,
        *,
        tick: Callable[[], object] | None = None,
        max_depth: int | None = None,
        max_events: int | None = None,
    ) -> None:
        self.url = url
        self.depth = 0
        self.count = 0
        self._tick = tick
        # The module's limits are read here, not bound at import, so tests can lower them.
        self._max_depth = MAX_DEPTH if max_depth is None else max_depth
        self._max_events = MAX_EVENTS if max_events is None else max_events
        self._loader = _Loader(content)

    def close(self) -> None:
        """Free the parser (libyaml's buffers)."""
        self._loader.dispose()

    def __enter__(self) -> YamlEvents:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def next(self) -> Event:
        """The next event; raises a :class:`BackendError` if the document must be refused."""
        try:
            event = self._loader.get_event()
        except yaml.YAMLError as error:
            raise BackendError(f"{self._shown}: invalid YAML answer: {_problem(error)}") from None
        if event is None:  # past the end: a caller's bug, but never an endless loop
            raise BackendError(f"{self._shown}: unexpected end of the YAML answer")
        self.count += 1
        if self.count > self._max_events:
            raise self._refused(f"it has more than {self._max_events:,} nodes")
        if self._tick is not None and self.count % _TICK_EVERY == 0:
            self._tick()
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            raise self._refused(
                "it uses YAML anchors and aliases (&name, *name), which can expand without "
                "bound and which this answer never needs"
            )
        if isinstance(event, CollectionStartEvent):
            self.depth += 1
            if self.depth > self._max_depth:
                raise self._refused(f"it nests more than {self._max_depth} levels deep")
        elif isinstance(event, CollectionEndEvent):
            self.depth -= 1
        return event

    def skip(self, start: Event) -> None:
        """Read past the rest of the node that ``start`` opened (nothing if it was a scalar)."""
        if not isinstance(start, CollectionStartEvent):
            return
        level = self.depth - 1
        while self.depth > level:
            self.next()

    def scalar(self, event: Event) -> str | None:
        """The text of a scalar node, else None (its node skipped)."""
        if isinstance(event, ScalarEvent):
            return str(event.value)
        self.skip(event)
        return None

    @property
    def _shown(self) -> str:
        return display_url(self.url)

    def _refused(self, why: str) -> BackendError:
        return BackendError(f"{self._shown}: refused YAML answer: {why}.")


def _problem(error: yaml.YAMLError) -> str:
    """A parser error as one short line: what is wrong, and where."""
    problem = getattr(error, "problem", None) or getattr(error, "reason", None) or "unreadable"
    text = " ".join("".join(c if c.isprintable() else " " for c in str(problem)).split())
    text = text[:_MAX_PROBLEM]
    mark = getattr(error, "problem_mark", None)
    if mark is not None and isinstance(getattr(mark, "line", None), int):
        return f"{text} (line {mark.line + 1}, column {mark.column + 1})"
    return text
