"""A preview of an edit, writing nothing: the stored versions as the project's page would show
them with the new settings, and optionally a fresh check with those settings.

The versions on both sides come from :attr:`Project.visible_versions` (the page's and the
API's code path) of two unsaved copies holding the same stored rows, read once: the project
as stored, and :func:`~projects.services.projects.edited_copy` of it, which is exactly what
:func:`~projects.services.projects.project_edit` would save. The comparison itself is
:func:`backends.versions.edit_diff.compare`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db.models import prefetch_related_objects

from backends import pipeline
from backends.base import BackendError
from backends.versions.edit_diff import EditDiff, ShownVersion, compare
from projects.models import Project
from projects.services.errors import ProjectArchived
from projects.services.fields import FieldChanges, ProjectFields
from projects.services.projects import unclashed_copy


@dataclass(frozen=True)
class EditPreview:
    """What saving ``fields`` would change: ``edited`` is the project as it would be saved
    (unsaved), ``changes`` the fields that differ (``{field: (old, new)}``)."""

    edited: Project
    changes: FieldChanges
    diff: EditDiff


@dataclass(frozen=True)
class FreshCheck:
    """What a check with the new settings finds now, or why it could not run (``error``).

    Stored versions are their stored (raw) strings; new ones are read as the page would show
    them. Newest first throughout.
    """

    error: str | None = None
    new_versions: tuple[str, ...] = ()
    """Versions the check would store (the version filter applied)."""
    not_found: tuple[str, ...] = ()
    """Stored versions, not withdrawn, that the upstream no longer lists."""
    withdrawn: tuple[str, ...] = ()
    """Of those, the ones the check would mark withdrawn (a complete list only)."""
    restored: tuple[str, ...] = ()
    """Stored versions marked withdrawn that the upstream lists again: the mark goes."""
    complete: bool = False
    """The upstream's whole list was read (``lists_every_version``): only then are versions
    withdrawn or brought back."""
    warning: str | None = None
    """Why no version was withdrawn although some are gone (the withdrawal guard)."""
    latest_version: str | None = None
    """The latest version once the check is recorded."""


def _shown(project: Project) -> list[ShownVersion]:
    return [
        ShownVersion(
            raw=stored.version,
            parsed=version.parsed,
            prerelease=version.is_prerelease(),
            withdrawn=stored.withdrawn_on is not None,
        )
        for stored, version in project.visible_versions
    ]


def edit_preview(
    project: Project, fields: ProjectFields, *, forget_credentials: bool = False
) -> EditPreview:
    """The preview of saving ``fields`` on ``project`` with :func:`project_edit`: the same
    validation and refusals (:class:`InvalidInput`, :class:`ProjectArchived`,
    :class:`ProjectExists`), nothing written. Raises ``Project.DoesNotExist`` when the
    project was deleted."""
    stored = Project.objects.get(pk=project.pk)
    if stored.archived:
        raise ProjectArchived(stored)
    edited, changes = unclashed_copy(stored, fields, forget_credentials=forget_credentials)
    prefetch_related_objects([stored, edited], "versions")  # one read of the rows, for both
    return EditPreview(edited, changes, compare(_shown(stored), _shown(edited)))


def fresh_check(preview: EditPreview) -> FreshCheck:
    """A check of the edited project, writing nothing, without the last answer's validators
    (so the upstream's whole list is read, never a 304). The caller holds a preview slot
    (``projects/limits.py``), as for the Test check; upstream failures are the answer's
    ``error``."""
    edited = preview.edited
    spec = replace(edited.to_spec(), etag=None, last_modified=None)
    try:
        result = pipeline.preview(spec, interactive=True)
    except BackendError as error:
        return FreshCheck(error=str(error))
    newest_first = [(stored, version.parsed) for stored, version in edited.sorted_versions]
    gone = [
        stored.version
        for stored, parsed in newest_first
        if stored.withdrawn_on is None and parsed not in result.listed
    ]
    changes = result.withdrawals
    return FreshCheck(
        new_versions=tuple(result.found_versions),
        not_found=tuple(gone),
        withdrawn=tuple(raw for raw in gone if raw in changes.withdraw),
        restored=tuple(
            stored.version for stored, _ in newest_first if stored.version in changes.restore
        ),
        complete=result.complete,
        warning=changes.warning,
        latest_version=result.latest_version,
    )
