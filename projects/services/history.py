"""What the services write to the audit log, one function per kind of change.

Each builds the entry's values from the project and calls :func:`projects.audit.record`, the
log's one writer, inside the caller's transaction (before the message is emitted, as every
write comes before its message). A project change also keeps the project's full settings
right after it (:func:`project_settings`), so any such entry can be restored on its own
(:func:`projects.services.project_revert`), even when older entries are missing (a project
created before the log existed). Credentials never appear: only that they changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from projects import audit
from projects.models import AuditEntry, Package, Project
from projects.services.fields import PRIVATE_FIELDS, PROJECT_FIELDS, FieldChanges

Kind = AuditEntry.Kind

#: Both sides of a change of the credentials stored for the URLs: that they changed, no more.
CREDENTIALS_HIDDEN = "(not shown)"
CREDENTIALS_CHANGED = "(changed, not shown)"


#: The key of the stream definitions in an entry's settings and changes.
STREAM_DEFINITIONS = "release_streams"


def stream_definitions(project: Project) -> list[dict[str, Any]]:
    """The project's release streams defined by hand, in their order, as the log and the
    ``project.edit`` message keep them: ``{"name", "pattern", "end_of_life"}``."""
    return [
        {
            "name": row.name,
            "pattern": row.pattern,
            "end_of_life": row.end_of_life.isoformat() if row.end_of_life else None,
        }
        for row in project.release_streams.all()
    ]


def definitions_text(definitions: list[Any]) -> str:
    """Stream definitions as the history and the confirmations show them:
    ``LTS: ^18\\. (end of life 2025-04-30); 16: end of life 2023-09-11``, or ``(none)``."""
    return "; ".join(_definition_text(item) for item in definitions) or "(none)"


def _definition_text(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    name, pattern, end = item.get("name"), item.get("pattern"), item.get("end_of_life")
    if not pattern:
        return f"{name}: end of life {end}" if end else str(name)
    return f"{name}: {pattern} (end of life {end})" if end else f"{name}: {pattern}"


def project_settings(project: Project) -> dict[str, Any]:
    """The settings people set (:data:`PROJECT_FIELDS`) and the stream definitions, as
    stored now."""
    settings = {field: getattr(project, field) for field in PROJECT_FIELDS}
    settings[STREAM_DEFINITIONS] = stream_definitions(project) if project.pk else []
    return settings


def project_added(project: Project, agent: str) -> None:
    settings = project_settings(project)
    audit.record(Kind.PROJECT_ADD, project, agent=agent, after=settings, settings=settings)


def project_edited(
    project: Project,
    agent: str,
    changes: FieldChanges,
    *,
    latest_before: str | None,
    reverts: int | None = None,
) -> None:
    """``changes`` as :func:`project_edit` returns them: ``{field: (old, new)}``; the latest
    version is logged too when it is no longer ``latest_before`` (an edit of how the stored
    versions are read moves it)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, (old, new) in changes.items():
        if field in PRIVATE_FIELDS:
            before[field], after[field] = CREDENTIALS_HIDDEN, CREDENTIALS_CHANGED
        else:
            before[field], after[field] = old, new
    if project.latest_version != latest_before:
        before["latest_version"], after["latest_version"] = latest_before, project.latest_version
    audit.record(
        Kind.PROJECT_EDIT,
        project,
        agent=agent,
        before=before,
        after=after,
        settings=project_settings(project),
        reverts=reverts,
    )


def project_removed(project: Project, agent: str) -> None:
    """Call it before deleting the row: the entry keeps what the project was."""
    before = {**project_settings(project), "latest_version": project.latest_version}
    audit.record(Kind.PROJECT_REMOVE, project, agent=agent, before=before)


def _mapping(package: Package) -> dict[str, str]:
    return {"distro": package.distro.name, "package_name": package.package_name}


def mapping_added(package: Package, agent: str) -> None:
    audit.record(Kind.MAPPING_ADD, package.project, agent=agent, after=_mapping(package))


def mapping_edited(package: Package, agent: str, *, distro: str, package_name: str) -> None:
    """``package`` after the edit; ``distro`` and ``package_name`` what it was before."""
    before = {"distro": distro, "package_name": package_name}
    audit.record(
        Kind.MAPPING_EDIT, package.project, agent=agent, before=before, after=_mapping(package)
    )


def mapping_removed(package: Package, agent: str) -> None:
    audit.record(Kind.MAPPING_REMOVE, package.project, agent=agent, before=_mapping(package))


def mappings_removed_with_distro(packages: Iterable[Package], agent: str) -> None:
    """The mappings a distribution's deletion takes with it: one entry per project."""
    removed = ((package.project, _mapping(package), None) for package in packages)
    audit.record_many(Kind.MAPPING_REMOVE, removed, agent=agent)


def versions_removed(
    project: Project, agent: str, deleted: list[str], *, latest_before: str | None
) -> None:
    """``project`` after the deletion of the ``deleted`` version strings."""
    audit.record(
        Kind.VERSIONS_REMOVE,
        project,
        agent=agent,
        before={"versions": deleted, "latest_version": latest_before},
        after={"latest_version": project.latest_version},
    )
