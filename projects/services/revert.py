"""Reverting a project's settings to an earlier state from its audit log.

A revert is an edit: it calls :func:`projects.services.project_edit` with the settings an
audit entry kept, and the stream definitions it kept (an entry written before the log kept
them leaves the definitions as they are), so the values are validated again, a rename or a new
homepage is checked for clashes, one ``project.edit`` is sent and one new entry (marked as a
revert) is written, exactly as for any edit. Credentials are not settings the log keeps: a
revert leaves them as they are.
"""

from __future__ import annotations

from typing import cast

from projects.models import AuditEntry, Project
from projects.services.edit_preview import EditPreview, edit_preview
from projects.services.errors import InvalidInput
from projects.services.fields import (
    BOOLEAN_FIELDS,
    EDITABLE_FIELDS,
    FieldChanges,
    ProjectFields,
)
from projects.services.history import STREAM_DEFINITIONS, stream_definitions
from projects.services.projects import project_edit
from projects.services.streams import definitions_from

NOT_REVERTABLE = "This history entry is not a change of this project's settings."


def reverted_settings(entry: AuditEntry) -> ProjectFields:
    """The editable settings as they were right after ``entry``."""
    kept = entry.settings or {}
    # The names are the editable fields; the values are checked again by the edit.
    return cast(ProjectFields, {field: kept[field] for field in EDITABLE_FIELDS if field in kept})


def revert_changes(project: Project, entry: AuditEntry) -> FieldChanges:
    """``{field: (now, after the revert)}`` for each setting a revert to ``entry`` would
    change (``""`` and None both mean unset, as for an edit), ``release_streams`` for the
    stream definitions; what the confirmations list."""
    changes: FieldChanges = {}
    for field, value in reverted_settings(entry).items():
        current = getattr(project, field)
        if field in BOOLEAN_FIELDS:
            differs = bool(current) != bool(value)
        else:
            differs = (current or None) != (value or None)
        if differs:
            changes[field] = (current, value)
    kept = (entry.settings or {}).get(STREAM_DEFINITIONS)
    if kept is not None:
        current_definitions = stream_definitions(project)
        if current_definitions != kept:
            changes[STREAM_DEFINITIONS] = (current_definitions, kept)
    return changes


def revert_preview(project: Project, entry: AuditEntry) -> EditPreview:
    """What the project's page would show once reverted to ``entry``: the preview of the edit
    :func:`project_revert` makes (:func:`edit_preview`), writing nothing. Raises what
    :func:`project_revert` would."""
    if entry.project_id != project.pk or not entry.revertable:
        raise InvalidInput({"entry": NOT_REVERTABLE})
    return edit_preview(project, reverted_settings(entry))


def project_revert(project: Project, entry: AuditEntry, *, agent: str) -> FieldChanges:
    """Put ``project``'s editable settings and stream definitions back as they were right
    after ``entry`` (a creation, an edit or an archiving of this project).

    Returns the changes as :func:`project_edit` does; empty when the project already is in
    that state (nothing is sent or logged). Raises :class:`InvalidInput` for an entry of
    another project or one that is not a settings change, and whatever :func:`project_edit`
    raises: :class:`ProjectArchived` (archived projects are not edited: unarchive first),
    :class:`ProjectExists` (the old name is taken now), :class:`InvalidInput` (a value the
    rules refuse today, a stream definition among them).
    """
    if entry.project_id != project.pk or not entry.revertable:
        raise InvalidInput({"entry": NOT_REVERTABLE})
    kept = (entry.settings or {}).get(STREAM_DEFINITIONS)
    definitions = None if kept is None else definitions_from(kept)
    return project_edit(
        project,
        agent=agent,
        reverts=entry.pk,
        stream_definitions=definitions,
        **reverted_settings(entry),
    )
