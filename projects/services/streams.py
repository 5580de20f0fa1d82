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
validates it), whose ``changes`` names no field. The same change is written to the audit log
as a project edit (:func:`projects.services.history.project_edited`), whose settings keep the
definitions, so a revert to any later entry puts them back (:func:`replace_definitions`).

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
from projects.services import history
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
    cleaned, errors = _checked(project, fields)
    if "name" not in errors:
        others = project.release_streams.all()
        if editing is not None:
            others = others.exclude(pk=editing.pk)
        if others.filter(name__iexact=cleaned.name).exists():
            errors["name"] = f"This project already has a stream named {cleaned.name!r}."
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _checked(project: Project, fields: StreamFields) -> tuple[StreamFields, dict[str, str]]:
    """``fields`` stripped, and what the rules refuse in them by field (the project's other
    definitions aside)."""
    errors: dict[str, str] = {}
    name = fields.name.strip() if isinstance(fields.name, str) else ""
    pattern = fields.pattern.strip() if isinstance(fields.pattern, str) else ""
    problem = name_problem(name, has_pattern=bool(pattern))
    if problem is not None:
        errors["name"] = problem
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
    return StreamFields(name, pattern, fields.end_of_life, position), errors


def _announce(locked: Project, agent: str, before: list[dict[str, Any]]) -> None:
    after = history.stream_definitions(locked)
    locked.updated_on = timezone.now()
    locked.save(update_fields=["updated_on"])
    if after != before:
        changes = {CHANGED_FIELD: (before, after)}
        history.project_edited(locked, agent, changes, latest_before=locked.latest_version)
        emit(messages.project_edit(locked, agent, changes))


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
    before = history.stream_definitions(locked)
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
    before = history.stream_definitions(locked)
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
    before = history.stream_definitions(locked)
    locked.release_streams.filter(pk=stream.pk).delete()
    _announce(locked, agent, before)


def definitions_from(kept: Any) -> list[StreamFields]:
    """The definitions an audit entry kept (``settings["release_streams"]``, a list of
    ``{"name", "pattern", "end_of_life"}``), in their order; :class:`InvalidInput` when they
    are not that shape."""
    refused = InvalidInput({CHANGED_FIELD: "The stream definitions kept here cannot be read."})
    if not isinstance(kept, list):
        raise refused
    definitions = []
    for item in kept:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise refused
        pattern, end_of_life = item.get("pattern") or "", item.get("end_of_life")
        try:
            day = dt.date.fromisoformat(end_of_life) if end_of_life else None
        except (TypeError, ValueError):
            raise refused from None
        if not isinstance(pattern, str):
            raise refused
        definitions.append(StreamFields(item["name"], pattern, day))
    return definitions


def replaced_definitions(
    locked: Project, definitions: list[StreamFields]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Make ``definitions`` (in their order) the definitions of ``locked``, a project the
    caller locked, which announces and logs the change: return them before and after.

    Every definition is checked as :func:`stream_create` checks one; the first problem is
    raised as :class:`InvalidInput` on ``release_streams``, naming the definition. A
    definition keeps its row (and its creation date) when one of that name exists.
    """
    before = history.stream_definitions(locked)
    if len(definitions) > MAX_DEFINITIONS:
        raise InvalidInput({CHANGED_FIELD: f"At most {MAX_DEFINITIONS} stream definitions."})
    cleaned: list[StreamFields] = []
    for fields in definitions:
        checked, errors = _checked(locked, fields)
        if any(checked.name.lower() == other.name.lower() for other in cleaned):
            errors["name"] = f"Two definitions are named {checked.name!r}."
        if errors:
            problem = next(iter(errors.values()))
            raise InvalidInput({CHANGED_FIELD: f"Stream {checked.name!r}: {problem}"})
        cleaned.append(checked)
    rows = {row.name.lower(): row for row in locked.release_streams.select_for_update()}
    wanted = {fields.name.lower() for fields in cleaned}
    locked.release_streams.filter(
        pk__in=[r.pk for k, r in rows.items() if k not in wanted]
    ).delete()
    now = timezone.now()
    for position, fields in enumerate(cleaned):
        row = rows.get(fields.name.lower()) or ReleaseStream(project=locked, created=now)
        kept = (row.name, row.pattern, row.end_of_life, row.position)
        if row.pk is None or kept != (fields.name, fields.pattern, fields.end_of_life, position):
            row.position = position
            _save(row, fields)
    return before, history.stream_definitions(locked)


@transaction.atomic
def replace_definitions(project: Project, definitions: list[StreamFields], *, agent: str) -> bool:
    """Make ``definitions`` the project's stream definitions, in that order (what a revert
    restores); announce and log the change. True when anything changed."""
    locked = _locked(project)
    before, after = replaced_definitions(locked, definitions)
    if after == before:
        return False
    _announce(locked, agent, before)
    return True
