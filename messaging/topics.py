"""Anitya's message topics and one body builder per topic (contract §7).

Every builder returns a :class:`Message` whose body is exactly what Anitya publishes:
``{"project": <Project JSON or None>, "distro": {"name": ...} or None, "message": {...}}``.
The builders only read the instances they are given; :func:`messaging.outbox.emit` stores the
result in the caller's transaction. Topics are the short names (``project.add``); the routing
key adds the configured prefix and ``anitya.`` (see :func:`messaging.outbox.routing_key`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projects.models import Distro, Flag, Package, Project

PROJECT_ADD = "project.add"
PROJECT_EDIT = "project.edit"
PROJECT_REMOVE = "project.remove"
PROJECT_FLAG = "project.flag"
PROJECT_FLAG_SET = "project.flag.set"
PROJECT_MAP_NEW = "project.map.new"
PROJECT_MAP_UPDATE = "project.map.update"
PROJECT_MAP_REMOVE = "project.map.remove"
PROJECT_VERSION_UPDATE = "project.version.update"
PROJECT_VERSION_UPDATE_V2 = "project.version.update.v2"
PROJECT_VERSION_REMOVE = "project.version.remove"
PROJECT_VERSION_REMOVE_V2 = "project.version.remove.v2"
DISTRO_ADD = "distro.add"
DISTRO_EDIT = "distro.edit"
DISTRO_REMOVE = "distro.remove"

#: All topics, in the contract's order.
TOPICS: tuple[str, ...] = (
    PROJECT_ADD,
    PROJECT_EDIT,
    PROJECT_REMOVE,
    PROJECT_FLAG,
    PROJECT_FLAG_SET,
    PROJECT_MAP_NEW,
    PROJECT_MAP_UPDATE,
    PROJECT_MAP_REMOVE,
    PROJECT_VERSION_UPDATE,
    PROJECT_VERSION_UPDATE_V2,
    PROJECT_VERSION_REMOVE,
    PROJECT_VERSION_REMOVE_V2,
    DISTRO_ADD,
    DISTRO_EDIT,
    DISTRO_REMOVE,
)

#: The agent of changes made by the checker, as Anitya names it.
CHECKER_AGENT = "anitya"


@dataclass(frozen=True)
class Message:
    """A message to announce: its short topic and its JSON body."""

    topic: str
    body: dict[str, Any]

    def __post_init__(self) -> None:
        if self.topic not in TOPICS:
            raise ValueError(f"unknown message topic: {self.topic!r}")

    @property
    def schema_name(self) -> str:
        """The ``fedora.messages`` entry point naming the schema class (``anitya.<topic>``)."""
        return f"anitya.{self.topic}"


# -- helpers ------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """``value`` with anything JSON cannot hold turned into a plain string or list."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return str(value)


def _fresh_project_json(project: Project) -> dict[str, Any]:
    """Project JSON as stored now (versions read again, in case the caller just added some)."""
    project.__dict__.pop("sorted_versions", None)
    return project.as_json()


def _packages(project: Project) -> list[dict[str, str]]:
    packages = project.packages.select_related("distro")
    ordered = sorted(packages, key=lambda p: (p.distro.name.lower(), p.package_name))
    return [package.as_json() for package in ordered]


def _body(
    message: dict[str, Any],
    *,
    project: dict[str, Any] | None = None,
    distro: str | None = None,
) -> dict[str, Any]:
    return {
        "project": project,
        "distro": {"name": distro} if distro is not None else None,
        "message": message,
    }


def _name(distro: Distro | str) -> str:
    return distro if isinstance(distro, str) else distro.name


# -- projects -----------------------------------------------------------------------------


def project_add(project: Project, agent: str) -> Message:
    """``project.add``: a project was created."""
    body = _body({"agent": agent, "project": project.name}, project=_fresh_project_json(project))
    return Message(PROJECT_ADD, body)


def project_edit(
    project: Project, agent: str, changes: Mapping[str, tuple[Any, Any] | Mapping[str, Any]]
) -> Message:
    """``project.edit``: ``changes`` maps each changed field to ``(old, new)`` or ``{old, new}``.

    ``project`` is the project after the change. Anitya sends nothing when nothing changed;
    callers should do the same (an empty ``changes`` is refused).
    """
    if not changes:
        raise ValueError("project.edit needs at least one change")
    normalised: dict[str, dict[str, Any]] = {}
    for field, change in changes.items():
        if isinstance(change, Mapping):
            old, new = change["old"], change["new"]
        else:
            old, new = change
        normalised[field] = {"old": _jsonable(old), "new": _jsonable(new)}
    message = {
        "agent": agent,
        "project": project.name,
        "fields": list(normalised),
        "changes": normalised,
    }
    return Message(PROJECT_EDIT, _body(message, project=_fresh_project_json(project)))


def project_remove(project: Project, agent: str) -> Message:
    """``project.remove``: a project was deleted (build it before deleting the row)."""
    body = _body({"agent": agent, "project": project.name}, project=_fresh_project_json(project))
    return Message(PROJECT_REMOVE, body)


def project_flag(flag: Flag, agent: str) -> Message:
    """``project.flag``: a user flagged a project for the administrators."""
    project = flag.project
    message = {
        "agent": agent,
        "project": project.name,
        "reason": flag.reason,
        "packages": _packages(project),
    }
    return Message(PROJECT_FLAG, _body(message, project=_fresh_project_json(project)))


def flag_set(flag: Flag, agent: str) -> Message:
    """``project.flag.set``: an administrator changed a flag's state."""
    message = {"agent": agent, "flag": flag.pk, "state": str(flag.state)}
    return Message(PROJECT_FLAG_SET, _body(message))


# -- mappings -----------------------------------------------------------------------------


def map_new(package: Package, agent: str) -> Message:
    """``project.map.new``: ``package`` maps its project into its distro."""
    project, distro = package.project, package.distro.name
    message = {
        "agent": agent,
        "project": project.name,
        "distro": distro,
        "new": package.package_name,
    }
    return Message(
        PROJECT_MAP_NEW, _body(message, project=_fresh_project_json(project), distro=distro)
    )


def map_update(package: Package, agent: str, prev: str, edited: Sequence[str]) -> Message:
    """``project.map.update``: ``package`` (after the edit) was ``prev`` before.

    ``edited`` lists what changed, in Anitya's words: ``"distribution"`` and/or
    ``"package_name"``.
    """
    project, distro = package.project, package.distro.name
    message = {
        "agent": agent,
        "project": project.name,
        "distro": distro,
        "new": package.package_name,
        "prev": prev,
        "edited": list(edited),
    }
    return Message(
        PROJECT_MAP_UPDATE, _body(message, project=_fresh_project_json(project), distro=distro)
    )


def map_remove(package: Package, agent: str) -> Message:
    """``project.map.remove``: a mapping was deleted (Anitya sends ``distro: null`` here)."""
    project = package.project
    message = {"agent": agent, "project": project.name, "distro": package.distro.name}
    return Message(PROJECT_MAP_REMOVE, _body(message, project=_fresh_project_json(project)))


# -- versions -----------------------------------------------------------------------------


def version_update(
    project: Project,
    *,
    upstream_version: str | None,
    old_version: str | None,
    upstream_versions: Iterable[str],
    agent: str = CHECKER_AGENT,
) -> list[Message]:
    """``project.version.update`` then ``project.version.update.v2``, for one check.

    ``upstream_version`` is the newest version overall (the new ``latest_version``), not
    necessarily a new one; ``upstream_versions`` are the new versions (parsed, ascending);
    ``old_version`` is the previous latest version (``""`` when there was none).
    """
    project_json = _fresh_project_json(project)
    common = {
        "project": project_json,
        "old_version": old_version or "",
        "packages": _packages(project),
        "versions": list(project_json["versions"]),
        "stable_versions": list(project_json["stable_versions"]),
        "ecosystem": project.ecosystem_name,
        "agent": agent,
    }
    v1 = {**common, "upstream_version": upstream_version or "", "odd_change": False}
    v2 = {**common, "upstream_versions": list(upstream_versions)}
    return [
        Message(PROJECT_VERSION_UPDATE, _body(v1, project=project_json)),
        Message(PROJECT_VERSION_UPDATE_V2, _body(v2, project=project_json)),
    ]


def version_remove(project: Project, version: str, agent: str) -> Message:
    """``project.version.remove`` (deprecated: Anitya no longer sends it; kept for parity)."""
    message = {"agent": agent, "project": project.name, "version": version}
    return Message(PROJECT_VERSION_REMOVE, _body(message, project=_fresh_project_json(project)))


def version_remove_v2(project: Project, versions: Iterable[str], agent: str) -> Message:
    """``project.version.remove.v2``: an administrator deleted these version strings."""
    message = {"agent": agent, "project": project.name, "versions": [str(v) for v in versions]}
    return Message(PROJECT_VERSION_REMOVE_V2, _body(message, project=_fresh_project_json(project)))


# -- distros ------------------------------------------------------------------------------


def distro_add(distro: Distro | str, agent: str) -> Message:
    """``distro.add``: a distribution was created."""
    name = _name(distro)
    return Message(DISTRO_ADD, _body({"agent": agent, "distro": name}, distro=name))


def distro_edit(old: Distro | str, new: Distro | str, agent: str) -> Message:
    """``distro.edit``: a distribution was renamed from ``old`` to ``new``.

    As in Anitya, the body's ``distro`` carries the *old* name.
    """
    old_name, new_name = _name(old), _name(new)
    message = {"agent": agent, "old": old_name, "new": new_name}
    return Message(DISTRO_EDIT, _body(message, distro=old_name))


def distro_remove(distro: Distro | str, agent: str) -> Message:
    """``distro.remove``: a distribution (and its mappings) was deleted."""
    name = _name(distro)
    return Message(DISTRO_REMOVE, _body({"agent": agent, "distro": name}, distro=name))
