"""The messages about projects, versions, mappings, distros and flags, built from the models.

:mod:`messaging.topics` builds each body from plain data and imports no app; the functions
here, one per builder and with the same names, read the models into that data: the project's
JSON as stored now and its mappings. Services and the check recorder call these and hand the
result to :func:`messaging.outbox.emit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from messaging import topics
from messaging.topics import CHECKER_AGENT, Message, PackageJSON, ProjectJSON
from projects.models import Distro, Flag, Package, Project


def project_json(project: Project) -> ProjectJSON:
    """Project JSON as stored now: versions read again, in case the caller just added some."""
    project.__dict__.pop("sorted_versions", None)
    return project.as_json()


def packages_json(project: Project) -> list[PackageJSON]:
    """The project's mappings as stored now, by distro name (ignoring case) then package."""
    packages = project.packages.select_related("distro")
    ordered = sorted(packages, key=lambda p: (p.distro.name.lower(), p.package_name))
    return [package.as_json() for package in ordered]


def _name(distro: Distro | str) -> str:
    return distro if isinstance(distro, str) else distro.name


# -- projects -----------------------------------------------------------------------------


def project_add(project: Project, agent: str) -> Message:
    """``project.add``: ``project`` was created."""
    return topics.project_add(project_json(project), agent)


def project_edit(
    project: Project, agent: str, changes: Mapping[str, tuple[Any, Any] | Mapping[str, Any]]
) -> Message:
    """``project.edit``: ``project`` (after the change) changed as ``changes`` says."""
    return topics.project_edit(project_json(project), agent, changes)


def project_remove(project: Project, agent: str) -> Message:
    """``project.remove``: build it before deleting the row."""
    return topics.project_remove(project_json(project), agent)


def project_flag(flag: Flag, agent: str) -> Message:
    """``project.flag``: a user flagged ``flag.project``."""
    project = flag.project
    return topics.project_flag(
        project_json(project), packages_json(project), reason=flag.reason, agent=agent
    )


def flag_set(flag: Flag, agent: str) -> Message:
    """``project.flag.set``: an administrator changed the flag's state."""
    return topics.flag_set(flag.pk, str(flag.state), agent)


# -- mappings -----------------------------------------------------------------------------


def map_new(package: Package, agent: str) -> Message:
    """``project.map.new``: ``package`` maps its project into its distro."""
    return topics.map_new(
        project_json(package.project),
        distro=package.distro.name,
        package_name=package.package_name,
        agent=agent,
    )


def map_update(package: Package, agent: str, prev: str, edited: Sequence[str]) -> Message:
    """``project.map.update``: ``package`` (after the edit) was package ``prev`` before."""
    return topics.map_update(
        project_json(package.project),
        distro=package.distro.name,
        package_name=package.package_name,
        agent=agent,
        prev=prev,
        edited=edited,
    )


def map_remove(package: Package, agent: str) -> Message:
    """``project.map.remove``: build it before deleting the row."""
    return topics.map_remove(project_json(package.project), distro=package.distro.name, agent=agent)


# -- versions -----------------------------------------------------------------------------


def version_update(
    project: Project,
    *,
    upstream_version: str | None,
    old_version: str | None,
    upstream_versions: Iterable[str],
    agent: str = CHECKER_AGENT,
    streams: Mapping[str, str | None] | None = None,
) -> list[Message]:
    """``project.version.update`` then ``project.version.update.v2``, for one check;
    ``streams`` maps the new versions to their release streams' names (the added key)."""
    return topics.version_update(
        project_json(project),
        packages_json(project),
        upstream_version=upstream_version,
        old_version=old_version,
        upstream_versions=upstream_versions,
        agent=agent,
        streams=streams,
    )


def version_remove(project: Project, version: str, agent: str) -> Message:
    """``project.version.remove`` (deprecated: Anitya no longer sends it; kept for parity)."""
    return topics.version_remove(project_json(project), version, agent)


def version_remove_v2(project: Project, versions: Iterable[str], agent: str) -> Message:
    """``project.version.remove.v2``: an administrator deleted these version strings."""
    return topics.version_remove_v2(project_json(project), versions, agent)


# -- distros ------------------------------------------------------------------------------


def distro_add(distro: Distro | str, agent: str) -> Message:
    """``distro.add``: a distribution was created."""
    return topics.distro_add(_name(distro), agent)


def distro_edit(old: Distro | str, new: Distro | str, agent: str) -> Message:
    """``distro.edit``: a distribution was renamed from ``old`` to ``new``."""
    return topics.distro_edit(_name(old), _name(new), agent)


def distro_remove(distro: Distro | str, agent: str) -> Message:
    """``distro.remove``: a distribution (and its mappings) was deleted."""
    return topics.distro_remove(_name(distro), agent)
