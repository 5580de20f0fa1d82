"""Anitya's message topics and one body builder per topic (contract §7).

Every builder returns a :class:`Message` whose body is exactly what Anitya publishes:
``{"project": <Project JSON or None>, "distro": {"name": ...} or None, "message": {...}}``.
The builders take plain data (a project's JSON, its mappings as JSON, names, ids), so this app
imports no other; :mod:`projects.messages` reads the models into that data.
:func:`messaging.outbox.emit` stores the result in the caller's transaction. Topics are the
short names (``project.add``); the routing key adds the configured prefix and ``anitya.`` (see
:func:`messaging.outbox.routing_key`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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

#: Anitya's Project JSON (contract §1.3), as ``Project.as_json()`` builds it.
ProjectJSON = dict[str, Any]
#: One mapping as JSON: ``{"distro": <distro name>, "package_name": <package name>}``.
PackageJSON = dict[str, str]


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


# -- projects -----------------------------------------------------------------------------


def project_add(project: ProjectJSON, agent: str) -> Message:
    """``project.add``: a project was created."""
    body = _body({"agent": agent, "project": project["name"]}, project=project)
    return Message(PROJECT_ADD, body)


def project_edit(
    project: ProjectJSON, agent: str, changes: Mapping[str, tuple[Any, Any] | Mapping[str, Any]]
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
        "project": project["name"],
        "fields": list(normalised),
        "changes": normalised,
    }
    return Message(PROJECT_EDIT, _body(message, project=project))


def project_remove(project: ProjectJSON, agent: str) -> Message:
    """``project.remove``: a project was deleted (build it before deleting the row)."""
    body = _body({"agent": agent, "project": project["name"]}, project=project)
    return Message(PROJECT_REMOVE, body)


def project_flag(
    project: ProjectJSON, packages: Sequence[PackageJSON], *, reason: str, agent: str
) -> Message:
    """``project.flag``: a user flagged a project for the administrators; ``packages`` are the
    project's mappings, ordered by distro name (ignoring case) then package name."""
    message = {
        "agent": agent,
        "project": project["name"],
        "reason": reason,
        "packages": list(packages),
    }
    return Message(PROJECT_FLAG, _body(message, project=project))


def flag_set(flag_id: int, state: str, agent: str) -> Message:
    """``project.flag.set``: an administrator changed a flag's state."""
    message = {"agent": agent, "flag": flag_id, "state": state}
    return Message(PROJECT_FLAG_SET, _body(message))


# -- mappings -----------------------------------------------------------------------------


def map_new(project: ProjectJSON, *, distro: str, package_name: str, agent: str) -> Message:
    """``project.map.new``: ``package_name`` in ``distro`` now maps to ``project``."""
    message = {
        "agent": agent,
        "project": project["name"],
        "distro": distro,
        "new": package_name,
    }
    return Message(PROJECT_MAP_NEW, _body(message, project=project, distro=distro))


def map_update(
    project: ProjectJSON,
    *,
    distro: str,
    package_name: str,
    agent: str,
    prev: str,
    edited: Sequence[str],
) -> Message:
    """``project.map.update``: the mapping (after the edit) was package ``prev`` before.

    ``edited`` lists what changed, in Anitya's words: ``"distribution"`` and/or
    ``"package_name"``.
    """
    message = {
        "agent": agent,
        "project": project["name"],
        "distro": distro,
        "new": package_name,
        "prev": prev,
        "edited": list(edited),
    }
    return Message(PROJECT_MAP_UPDATE, _body(message, project=project, distro=distro))


def map_remove(project: ProjectJSON, *, distro: str, agent: str) -> Message:
    """``project.map.remove``: a mapping was deleted (Anitya sends ``distro: null`` here)."""
    message = {"agent": agent, "project": project["name"], "distro": distro}
    return Message(PROJECT_MAP_REMOVE, _body(message, project=project))


# -- versions -----------------------------------------------------------------------------


def version_update(
    project: ProjectJSON,
    packages: Sequence[PackageJSON],
    *,
    upstream_version: str | None,
    old_version: str | None,
    upstream_versions: Iterable[str],
    agent: str = CHECKER_AGENT,
    streams: Mapping[str, str | None] | None = None,
) -> list[Message]:
    """``project.version.update`` then ``project.version.update.v2``, for one check.

    ``upstream_version`` is the newest version overall (the new ``latest_version``), not
    necessarily a new one; ``upstream_versions`` are the new versions (parsed, ascending);
    ``old_version`` is the previous latest version (``""`` when there was none). ``packages``
    are the project's mappings, ordered as for :func:`project_flag`.

    ``streams`` (ours, issue #20) maps new versions to the release stream each belongs to;
    when given, both bodies carry the added key ``streams``: every new version -> its
    stream's name (null for one in no stream). anitya-schema's classes allow added keys.
    """
    upstream_versions = list(upstream_versions)
    common = {
        "project": project,
        "old_version": old_version or "",
        "packages": list(packages),
        "versions": list(project["versions"]),
        "stable_versions": list(project["stable_versions"]),
        "ecosystem": project["ecosystem"],
        "agent": agent,
    }
    if streams is not None:
        common["streams"] = {version: streams.get(version) for version in upstream_versions}
    v1 = {**common, "upstream_version": upstream_version or "", "odd_change": False}
    v2 = {**common, "upstream_versions": list(upstream_versions)}
    return [
        Message(PROJECT_VERSION_UPDATE, _body(v1, project=project)),
        Message(PROJECT_VERSION_UPDATE_V2, _body(v2, project=project)),
    ]


def version_remove(project: ProjectJSON, version: str, agent: str) -> Message:
    """``project.version.remove`` (deprecated: Anitya no longer sends it; kept for parity)."""
    message = {"agent": agent, "project": project["name"], "version": version}
    return Message(PROJECT_VERSION_REMOVE, _body(message, project=project))


def version_remove_v2(project: ProjectJSON, versions: Iterable[str], agent: str) -> Message:
    """``project.version.remove.v2``: an administrator deleted these version strings."""
    message = {"agent": agent, "project": project["name"], "versions": [str(v) for v in versions]}
    return Message(PROJECT_VERSION_REMOVE_V2, _body(message, project=project))


# -- distros ------------------------------------------------------------------------------


def distro_add(name: str, agent: str) -> Message:
    """``distro.add``: a distribution was created."""
    return Message(DISTRO_ADD, _body({"agent": agent, "distro": name}, distro=name))


def distro_edit(old: str, new: str, agent: str) -> Message:
    """``distro.edit``: a distribution was renamed from ``old`` to ``new``.

    As in Anitya, the body's ``distro`` carries the *old* name.
    """
    message = {"agent": agent, "old": old, "new": new}
    return Message(DISTRO_EDIT, _body(message, distro=old))


def distro_remove(name: str, agent: str) -> Message:
    """``distro.remove``: a distribution (and its mappings) was deleted."""
    return Message(DISTRO_REMOVE, _body({"agent": agent, "distro": name}, distro=name))
