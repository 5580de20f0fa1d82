"""Single-project answers (v1's detailed Project JSON, v2's versions), rendered once per
process and reused while the project's change stamp and the catalogue generation hold.

Each request reads the project's stamp and the generation in one plain statement (no ORM
query to build: that cost more than the answer's three reads), and answers from the cache
when both match what the answer was built under. A check that stores a version moves the
stamp; a mapping, distro or catalogue field that changes moves the generation; what moves
neither (an edit by hand in the admin) shows within :class:`~.answer_cache.Answers`' ttl, as
in the lists. Inside a transaction nothing is cached (the generation cannot be trusted).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.db import connection

from projects import catalogue
from projects.models import Catalogue, Project
from projects.representations.answer_cache import Key, RawJSON, answers, raw_answer
from projects.representations.project_json import dumps


@functools.cache
def _stamp_statement() -> str:
    project, generation = Project._meta.db_table, Catalogue._meta.db_table
    # The models' table names; the id is a parameter.
    select = "SELECT CAST(p.updated_on AS TEXT), c.generation"
    return f"{select} FROM {project} p LEFT JOIN {generation} c ON c.id = 1 WHERE p.id = %s"


def stamp_and_generation(project_id: int) -> tuple[str, int | None] | None:
    """The project's change stamp and the committed catalogue generation (None outside
    what can be trusted); None when there is no such project."""
    with connection.cursor() as cursor:
        cursor.execute(_stamp_statement(), [project_id])
        row = cursor.fetchone()
    if row is None:
        return None
    stamp, current = row
    if not catalogue.trusted():
        return str(stamp), None
    if current is None:  # the row went (a flushed test database): put it back
        current = catalogue.generation()
    return str(stamp), current


#: What an answer is built from: its data and when the project last changed; None when there
#: is no such project.
Build = Callable[[int], tuple[Any, dt.datetime | None] | None]


def project_answer(kind: str, project_id: int, build: Build) -> RawJSON | None:
    """The answer of ``kind`` for one project, ``build(project_id)`` rendered (None: there is
    no such project), from the cache while the project's stamp and the generation hold."""
    if not catalogue.trusted():
        return _rendered(build(project_id))
    found = stamp_and_generation(project_id)
    if found is None:
        return None
    stamp, current = found
    key: Key = (kind, project_id)
    answer = answers.get(key, current)
    if answer is not None and answer.stamps.get(project_id) == stamp:
        return answer
    answer = _rendered(build(project_id))
    if answer is None:  # deleted since the stamp was read
        return None
    answer.stamps = {project_id: stamp}
    answers.put(key, current, answer)
    return answer


def _rendered(built: tuple[Any, dt.datetime | None] | None) -> RawJSON | None:
    if built is None:
        return None
    data, last_modified = built
    answer = raw_answer(dumps(data))
    answer.last_modified = last_modified
    return answer
