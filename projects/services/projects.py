"""Projects: built from user input, previewed, created, edited, archived and deleted.

Each write validates its input, takes the row locks it needs, writes, and emits its message
(``project.add``, ``project.edit``, ``project.remove``) to the outbox last, in the same
transaction. ``agent`` is who made the change (see :mod:`projects.services`).
"""

from __future__ import annotations

from typing import Unpack

from django.db import IntegrityError, transaction
from django.utils import timezone

from backends import ecosystems, pipeline, registry
from backends.base import BackendError
from backends.pipeline import Preview
from messaging.outbox import emit
from projects import check, messages, next_check
from projects.models import Project
from projects.services import history
from projects.services.credentials import merged_credentials, split_credentials
from projects.services.errors import (
    InvalidInput,
    ProjectArchived,
    ProjectCheckFailed,
    ProjectExists,
)
from projects.services.fields import (
    BOOLEAN_FIELDS,
    PRIVATE_FIELDS,
    SHOWN_VERSION_FIELDS,
    FieldChanges,
    ProjectFields,
    asks_upstream_anew,
)
from projects.services.history import STREAM_DEFINITIONS
from projects.services.streams import StreamFields, replaced_definitions
from projects.services.validation import clean_project_fields

VALIDATION_FAILED = (
    "The check failed: could not retrieve versions. Error: {error}. Please verify the project "
    "configuration (backend, homepage, version URL, etc.) and try again."
)
REQUIRES_VERSION_URL = "Chosen backend requires version_url"


def _require_version_url(project: Project) -> None:
    backend = registry.get_backend(project.backend)
    if backend.required_version_url and not project.version_url:
        raise InvalidInput({"version_url": REQUIRES_VERSION_URL})


def build_project(**fields: Unpack[ProjectFields]) -> Project:
    """An unsaved project from user input: for previews and temporary projects.

    Raises :class:`InvalidInput`; ``name``, ``homepage`` and ``backend`` are required.
    """
    required = ("name", "homepage", "backend")
    missing = {field: "This field is required." for field in required if field not in fields}
    if missing:
        raise InvalidInput(missing)
    split, typed = split_credentials(fields)
    project = Project(**clean_project_fields(split))
    project.url_credentials = merged_credentials(None, typed, project)
    _require_version_url(project)
    project.ecosystem_name = ecosystems.derive_ecosystem_name(project.backend, project.homepage)
    return project


def clashing_project(project: Project) -> Project | None:
    """The stored project that ``project`` would duplicate (same name and ecosystem, or same
    name and homepage), ignoring ``project`` itself."""
    ecosystem = ecosystems.derive_ecosystem_name(project.backend, project.homepage)
    candidates = Project.objects.filter(name=project.name).exclude(pk=project.pk)
    return (
        candidates.filter(ecosystem_name=ecosystem).first()
        or candidates.filter(homepage=project.homepage).first()
    )


def preview_project(project: Project, *, interactive: bool = True) -> Preview:
    """What a check of ``project`` (saved or not) would find, writing nothing.

    ``interactive`` (the default: the Test check, dry runs, a new project's validation) means
    a person waits for it, so it gets the shorter deadline (``PREVIEW_DEADLINE``). Raises
    :class:`~backends.base.BackendError` (and ``RateLimited``) as the pipeline does.
    """
    return pipeline.preview(project.to_spec(), interactive=interactive)


def project_create(
    *, agent: str, validate: bool = True, **fields: Unpack[ProjectFields]
) -> Project:
    """Create a project and announce it (``project.add``).

    With ``validate`` the configuration must find versions upstream first (Anitya 2.3's
    pre-creation check); nothing is stored when it does not. Raises :class:`InvalidInput`,
    :class:`ProjectExists` or :class:`ProjectCheckFailed`.

    The upstream is asked before the transaction opens: a slow upstream must not hold a
    database lock (SQLite's IMMEDIATE transactions take the write lock at BEGIN).

    What that validating check found is then recorded as the project's first check, as
    Anitya's "check latest release on submit" does, without asking the upstream again: the
    versions and the latest version are stored, ``last_check`` is now and ``next_check`` one
    interval later, and ``project.version.update`` follows ``project.add``.
    """
    project = build_project(**fields)
    existing = clashing_project(project)
    if existing is not None:
        raise ProjectExists(project, existing)
    preview = None
    if validate:
        try:
            preview = preview_project(project)
        except BackendError as error:
            raise ProjectCheckFailed(VALIDATION_FAILED.format(error=error)) from None
    now = timezone.now()
    project.created_on = project.updated_on = now
    next_check.set_due_for_new_project(project, now)
    try:
        with transaction.atomic():
            project.save()
            history.project_added(project, agent)
            emit(messages.project_add(project, agent))
    except IntegrityError:
        raise ProjectExists(project, clashing_project(project)) from None
    if preview is not None:
        check.record(project, preview)
    return project


def edited_copy(
    project: Project, fields: ProjectFields, *, forget_credentials: bool = False
) -> tuple[Project, FieldChanges]:
    """``project`` with ``fields`` applied, unsaved, and the changes as ``{field: (old, new)}``.

    Validates the result as a whole (a backend needing a version URL, ...). The caller's
    instance is not modified. Credentials typed into a URL replace the stored ones for its
    origin; ``forget_credentials`` drops the stored ones first. Their change is reported as
    ``url_credentials``: (origins before, origins after), never the credentials themselves.
    """
    split, typed = split_credentials(fields)
    cleaned = clean_project_fields(split)
    concrete = Project._meta.concrete_fields
    copy = Project(**{field.attname: getattr(project, field.attname) for field in concrete})
    copy._state.adding, copy._state.db = project._state.adding, project._state.db
    changes: FieldChanges = {}
    for field, new in cleaned.items():
        old = getattr(project, field)
        # "" and None both mean unset.
        changed = bool(old) != new if field in BOOLEAN_FIELDS else (old or None) != new
        if changed:
            changes[field] = (old, new)
        setattr(copy, field, new)
    copy.url_credentials = merged_credentials(
        project.url_credentials, typed, copy, forget=forget_credentials
    )
    if (project.url_credentials or None) != copy.url_credentials:
        changes["url_credentials"] = (project.credential_origins, copy.credential_origins)
    _require_version_url(copy)
    copy.ecosystem_name = ecosystems.derive_ecosystem_name(copy.backend, copy.homepage)
    if asks_upstream_anew(changes):  # the last answer's validators are moot for a preview
        copy.etag = copy.last_modified = ""
    return copy, changes


def unclashed_copy(
    project: Project, fields: ProjectFields, *, forget_credentials: bool = False
) -> tuple[Project, FieldChanges]:
    """:func:`edited_copy`, refused with :class:`ProjectExists` when its new name, homepage or
    backend makes it another project's twin (what :func:`project_edit` would refuse)."""
    edited, changes = edited_copy(project, fields, forget_credentials=forget_credentials)
    if set(changes) & {"name", "homepage", "backend"}:
        clash = clashing_project(edited)
        if clash is not None:
            raise ProjectExists(edited, clash)
    return edited, changes


@transaction.atomic
def project_edit(
    project: Project,
    *,
    agent: str,
    forget_credentials: bool = False,
    reverts: int | None = None,
    stream_definitions: list[StreamFields] | None = None,
    **fields: Unpack[ProjectFields],
) -> FieldChanges:
    """Change a project's fields; announce the changes (``project.edit``) if there are any.

    Returns ``{field: (old, new)}`` (empty: nothing changed, nothing sent, nothing logged).
    Archived projects refuse every change but unarchiving (:func:`project_set_archived`).
    Changing how the upstream is asked makes the project due now, without the last answer's
    validators. Changing how the stored versions are read (:data:`SHOWN_VERSION_FIELDS`) sets
    the latest version from them at once, as the edit's preview showed it (Anitya waits for
    the next check); the audit entry records that change too, the message does not.
    Credentials (:func:`edited_copy`) are saved but not announced: a change of them alone
    sends nothing (the audit log says that they changed). ``reverts`` is the audit entry
    whose state the edit restores (:func:`projects.services.project_revert`).
    ``stream_definitions``, when given, replace the project's release stream definitions
    (:func:`projects.services.streams.replaced_definitions`), reported as ``release_streams``.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    refused_when_archived = set(fields) != {"archived"} or forget_credentials
    if locked.archived and (refused_when_archived or stream_definitions is not None):
        raise ProjectArchived(locked)
    edited, changes = unclashed_copy(locked, fields, forget_credentials=forget_credentials)
    if stream_definitions is not None:
        before, after = replaced_definitions(locked, stream_definitions)
        if before != after:
            changes[STREAM_DEFINITIONS] = (before, after)
    if not changes:
        return {}
    for field in changes.keys() - {STREAM_DEFINITIONS}:
        setattr(locked, field, getattr(edited, field))
    latest_before = locked.latest_version
    if not SHOWN_VERSION_FIELDS.isdisjoint(changes):
        # What the preview showed is what the project shows once saved, not after a check.
        locked.ecosystem_name = edited.ecosystem_name
        locked.latest_version = locked.latest_stored_version
    if asks_upstream_anew(changes):
        locked.etag = locked.last_modified = ""
        next_check.set_due_after_edit(locked)
    locked.updated_on = timezone.now()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise ProjectExists(edited, clashing_project(edited)) from None
    history.project_edited(locked, agent, changes, reverts=reverts, latest_before=latest_before)
    announced = {field: change for field, change in changes.items() if field not in PRIVATE_FIELDS}
    if announced:
        emit(messages.project_edit(locked, agent, announced))
    project.take_saved_state(locked)
    return changes


@transaction.atomic
def project_delete(project: Project, *, agent: str) -> None:
    """Delete a project with its versions, mappings and flags (``project.remove``)."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    message = messages.project_remove(locked, agent)
    history.project_removed(locked, agent)
    locked.delete()
    emit(message)
