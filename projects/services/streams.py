"""Release streams defined by hand (issue #20): create, edit, delete.

A definition is a name and a pattern (a stream of its own, e.g. an LTS line), or a detected
stream's name with an empty pattern and a date (that detected stream marked end-of-life); see
:mod:`backends.stream_definitions`. Each write validates everything first and raises
:class:`~projects.services.InvalidInput` (field -> message), locks the project (archived
projects refuse, :class:`~projects.services.ProjectArchived`), moves the project's
``updated_on`` (its page and answers are rebuilt at once) and announces the change as a
``project.edit`` whose one field, ``release_streams``, holds the definitions before and after
as lists of ``{"name", "pattern", "end_of_life"}``. Anitya never sends that field; the body
stays valid under anitya-schema's ``ProjectEdited`` (tests/projects/test_stream_services.py
validates it), whose ``changes`` names no field.

Patterns go through the user regexes' rules (:func:`backends.regexes.validate_user_regex`)
and must also run over the project's versions now within the regex time limit
(:func:`backends.stream_definitions.pattern_problem`): a pattern that backtracks
catastrophically on one of them is refused, never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from backends.regexes import MAX_REGEX_LENGTH, InvalidRegex, validate_user_regex
from backends.stream_definitions import name_problem, pattern_problem
from messaging.outbox import emit
from projects import messages
from projects.models import Project, ReleaseStream
from projects.services.errors import InvalidInput, ProjectArchived

#: The most definitions one project may have.
MAX_DEFINITIONS = 50
#: The last position (a PositiveSmallIntegerField holds more; nobody needs more).
MAX_POSITION = 1000
#: The field project.edit names.
CHANGED_FIELD = "release_streams"


@dataclass(frozen=True)
class StreamFields:
    """What a person sets on a definition."""

    name: str
    pattern: str = ""
    end_of_life: dt.date | None = None
    #: Tried in this order (lower first); None: after the others.
    position: int | None = None


def _locked(project: Project) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.archived:
        raise ProjectArchived(locked)
    return locked


def _clean(project: Project, fields: StreamFields, editing: ReleaseStream | None) -> StreamFields:
    """``fields`` checked against the rules and the project's other definitions."""
    errors: dict[str, str] = {}
    name = fields.name.strip() if isinstance(fields.name, str) else ""
    pattern = fields.pattern.strip() if isinstance(fields.pattern, str) else ""
    problem = name_problem(name, has_pattern=bool(pattern))
    if problem is not None:
        errors["name"] = problem
    else:
        others = project.release_streams.all()
        if editing is not None:
            others = others.exclude(pk=editing.pk)
        if others.filter(name__iexact=name).exists():
            errors["name"] = f"This project already has a stream named {name!r}."
    if len(pattern) > MAX_REGEX_LENGTH:
        errors["pattern"] = f"At most {MAX_REGEX_LENGTH} characters."
    elif pattern:
        try:
            validate_user_regex(pattern)
        except InvalidRegex as error:
            errors["pattern"] = str(error)
        else:
            versions = [version.parsed for _, version in project.visible_versions]
            slow = pattern_problem(pattern, versions)
            if slow is not None:
                errors["pattern"] = slow
    if not pattern and fields.end_of_life is None and "name" not in errors:
        errors["end_of_life"] = (
            "A definition without a pattern marks a detected stream end-of-life: give the date."
        )
    position = fields.position
    if position is not None and not 0 <= position <= MAX_POSITION:
        errors["position"] = f"Between 0 and {MAX_POSITION}."
    if errors:
        raise InvalidInput(errors)
    return StreamFields(name, pattern, fields.end_of_life, position)


def _snapshot(project: Project) -> list[dict[str, Any]]:
    return [
        {
            "name": row.name,
            "pattern": row.pattern,
            "end_of_life": row.end_of_life.isoformat() if row.end_of_life else None,
        }
        for row in project.release_streams.all()
    ]


def _announce(locked: Project, agent: str, before: list[dict[str, Any]]) -> None:
    after = _snapshot(locked)
    locked.updated_on = timezone.now()
    locked.save(update_fields=["updated_on"])
    if after != before:
        emit(messages.project_edit(locked, agent, {CHANGED_FIELD: (before, after)}))


def _save(row: ReleaseStream, fields: StreamFields) -> None:
    row.name, row.pattern, row.end_of_life = fields.name, fields.pattern, fields.end_of_life
    row.updated = timezone.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # a concurrent definition took the name
        taken = f"This project already has a stream named {row.name!r}."
        raise InvalidInput({"name": taken}) from None


@transaction.atomic
def stream_create(project: Project, fields: StreamFields, *, agent: str) -> ReleaseStream:
    """Add a definition to ``project`` (after the others unless ``fields.position`` says)."""
    locked = _locked(project)
    if locked.release_streams.count() >= MAX_DEFINITIONS:
        raise InvalidInput({"name": f"A project has at most {MAX_DEFINITIONS} stream definitions."})
    cleaned = _clean(locked, fields, None)
    before = _snapshot(locked)
    last = locked.release_streams.order_by("-position").values_list("position", flat=True)
    position = cleaned.position
    if position is None:
        position = min(MAX_POSITION, (last.first() or 0) + 1) if before else 0
    row = ReleaseStream(project=locked, position=position, created=timezone.now())
    _save(row, cleaned)
    _announce(locked, agent, before)
    project.take_saved_state(locked)
    return row


@transaction.atomic
def stream_edit(stream: ReleaseStream, fields: StreamFields, *, agent: str) -> ReleaseStream:
    """Change a definition (its position stays when ``fields.position`` is None)."""
    locked = _locked(stream.project)
    row = locked.release_streams.select_for_update().get(pk=stream.pk)
    cleaned = _clean(locked, fields, row)
    before = _snapshot(locked)
    if cleaned.position is not None:
        row.position = cleaned.position
    _save(row, cleaned)
    _announce(locked, agent, before)
    return row


@transaction.atomic
def stream_delete(stream: ReleaseStream, *, agent: str) -> None:
    """Delete a definition: its versions are detected again (or its stream is no longer
    marked end-of-life)."""
    locked = _locked(stream.project)
    before = _snapshot(locked)
    locked.release_streams.filter(pk=stream.pk).delete()
    _announce(locked, agent, before)
