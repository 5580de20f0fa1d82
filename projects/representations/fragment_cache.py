"""Each project's rendered JSON, kept per process while the project's stamp holds."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from projects.representations.project_json import dumps, project_json, shown_versions
from projects.representations.rows import chunks, load_rows, load_versions

FRAGMENT_TTL = 900.0  # seconds, plus up to as much again at random (spreads the rebuilds)
MAX_FRAGMENTS = 300_000


@dataclass(frozen=True)
class Addition:
    """Keys a layer above adds to each project's JSON when a client asks for them (API v2's
    ``include=streams``): ``name`` keeps their fragments apart from the plain ones, ``build``
    computes them for a chunk of project ids at once (id -> keys and values). Every change
    they show must move the project's stamp, as for the JSON itself."""

    name: str
    build: Callable[[list[int]], Mapping[int, dict[str, Any]]]


#: (stamp, expiry on the monotonic clock, JSON) by (extended, addition's name, project id).
_fragments: dict[tuple[bool, str, int], tuple[str, float, str]] = {}


def fragments(
    stamps: Sequence[tuple[int, str]], *, extended: bool = False, addition: Addition | None = None
) -> list[str]:
    """The rendered Project JSON of each (id, stamp) of ``stamps_of``, in order, from the
    cache when the project has not changed since; the others are built with two queries per
    chunk (and what ``addition`` reads)."""
    now = time.monotonic()
    found: list[str | None] = []
    missing: list[int] = []
    added = addition.name if addition is not None else ""
    for project_id, stamp in stamps:
        entry = _fragments.get((extended, added, project_id))
        if entry is not None and entry[0] == stamp and entry[1] > now:
            found.append(entry[2])
        else:
            found.append(None)
            missing.append(project_id)
    if not missing:
        return cast(list[str], found)  # every one was found
    built = _build(missing, extended=extended, addition=addition, now=now)
    # A project deleted since ``stamps`` were read is left out.
    return [
        text if text is not None else built[project_id]
        for text, (project_id, _) in zip(found, stamps, strict=True)
        if text is not None or project_id in built
    ]


def _build(
    ids: list[int], *, extended: bool, addition: Addition | None, now: float
) -> dict[int, str]:
    if len(_fragments) + len(ids) > MAX_FRAGMENTS:
        _fragments.clear()
    built: dict[int, str] = {}
    added = addition.name if addition is not None else ""
    for chunk in chunks(ids):
        rows = load_rows(chunk)
        stored = load_versions(list(rows), times=extended)
        extra = addition.build(list(rows)) if addition is not None else {}
        for project_id, row in rows.items():
            data = project_json(
                row, shown_versions(row, stored.get(project_id, [])), extended=extended
            )
            text = dumps({**data, **extra.get(project_id, {})})
            expires = now + FRAGMENT_TTL * (1 + random.random())  # noqa: S311 (not security)
            _fragments[(extended, added, project_id)] = (row["stamp"], expires, text)
            built[project_id] = text
    return built


def forget_fragments() -> None:
    _fragments.clear()
