"""Each project's rendered JSON, kept per process while the project's stamp holds."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import cast

from projects.representations.project_json import dumps, project_json, shown_versions
from projects.representations.rows import chunks, load_rows, load_versions

FRAGMENT_TTL = 900.0  # seconds, plus up to as much again at random (spreads the rebuilds)
MAX_FRAGMENTS = 300_000

#: (stamp, expiry on the monotonic clock, JSON) by (extended, project id).
_fragments: dict[tuple[bool, int], tuple[str, float, str]] = {}


def fragments(stamps: Sequence[tuple[int, str]], *, extended: bool = False) -> list[str]:
    """The rendered Project JSON of each (id, stamp) of ``stamps_of``, in order, from the
    cache when the project has not changed since; the others are built with two queries per
    chunk."""
    now = time.monotonic()
    found: list[str | None] = []
    missing: list[int] = []
    for project_id, stamp in stamps:
        entry = _fragments.get((extended, project_id))
        if entry is not None and entry[0] == stamp and entry[1] > now:
            found.append(entry[2])
        else:
            found.append(None)
            missing.append(project_id)
    if not missing:
        return cast(list[str], found)  # every one was found
    built = _build(missing, extended=extended, now=now)
    # A project deleted since ``stamps`` were read is left out.
    return [
        text if text is not None else built[project_id]
        for text, (project_id, _) in zip(found, stamps, strict=True)
        if text is not None or project_id in built
    ]


def _build(ids: list[int], *, extended: bool, now: float) -> dict[int, str]:
    if len(_fragments) + len(ids) > MAX_FRAGMENTS:
        _fragments.clear()
    built: dict[int, str] = {}
    for chunk in chunks(ids):
        rows = load_rows(chunk)
        stored = load_versions(list(rows), times=extended)
        for project_id, row in rows.items():
            text = dumps(
                project_json(
                    row, shown_versions(row, stored.get(project_id, [])), extended=extended
                )
            )
            expires = now + FRAGMENT_TTL * (1 + random.random())  # noqa: S311 (not security)
            _fragments[(extended, project_id)] = (row["stamp"], expires, text)
            built[project_id] = text
    return built


def forget_fragments() -> None:
    _fragments.clear()
