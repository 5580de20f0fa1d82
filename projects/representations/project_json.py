"""Anitya's Project JSON from a project's row and its stored versions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from backends import purls, registry, versions
from backends.versions import newest as newest_rule
from projects.models import Project, epoch
from projects.representations.rows import (
    StoredVersion,
    load_packages,
    load_rows,
    load_versions,
    row_of,
)

MAX_PARSED_VERSIONS = 500_000


@dataclass(frozen=True, slots=True)
class ShownVersion:
    """A stored version as the JSON shows it."""

    parsed: str
    prerelease: bool
    created_on: dt.datetime | None
    published_at: dt.datetime | None
    withdrawn_on: dt.datetime | None = None


# -- versions ---------------------------------------------------------------------------------

#: How versions sort: the scheme's key, then the raw string.
SortKey = tuple[tuple[Any, ...], str]
#: (sort key, parsed string, pre-release) by (scheme, prefix, pre-release filter, pattern, raw).
_parsed: dict[tuple[str | None, ...], tuple[SortKey, str, bool]] = {}


def _parse(scheme: str, row: dict[str, Any], raw: str) -> tuple[SortKey, str, bool]:
    """(sort key, parsed string, pre-release) of ``raw`` under the project's settings."""
    key = (scheme, row["version_prefix"], row["pre_release_filter"], row["version_pattern"], raw)
    found = _parsed.get(key)
    if found is None:
        version = versions.make_version(
            raw,
            scheme=scheme,
            version_prefix=row["version_prefix"],
            pre_release_filter=row["pre_release_filter"],
            version_pattern=row["version_pattern"],
        )
        if len(_parsed) >= MAX_PARSED_VERSIONS:
            _parsed.clear()
        found = _parsed[key] = ((version.sort_key, raw), version.parsed, version.is_prerelease())
    return found


def forget_parsed_versions() -> None:
    _parsed.clear()


def shown_versions(row: dict[str, Any], stored: Iterable[StoredVersion]) -> list[ShownVersion]:
    """The project's visible versions, newest first, exactly as ``Project.visible_versions``.

    ``stored`` holds (raw version, created_on, published_at, withdrawn_on) of every stored
    version.
    """
    scheme = registry.resolve_scheme_name(
        row["version_scheme"], row["ecosystem_name"], row["backend"]
    )
    version_filter, prefix = row["version_filter"], row["version_prefix"]
    keyed = []
    for raw, created_on, published_at, withdrawn_on in stored:
        if version_filter and versions.is_filtered(raw, version_filter, prefix):
            continue
        sort_key, parsed, prerelease = _parse(scheme, row, raw)
        shown = ShownVersion(parsed, prerelease, created_on, published_at, withdrawn_on)
        keyed.append((sort_key, shown))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [shown for _, shown in keyed]


def naive_iso(moment: dt.datetime | None) -> str | None:
    """Anitya's ``latest_version_created_on``: a naive ISO 8601 string, in UTC."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def add_withdrawn(data: dict[str, Any], shown: Sequence[ShownVersion]) -> None:
    """v2's added ``withdrawn_versions`` key (newest first), only where a version is
    withdrawn, so that the answers of every other project stay Anitya's, byte for byte."""
    withdrawn = [version.parsed for version in shown if version.withdrawn_on is not None]
    if withdrawn:
        data["withdrawn_versions"] = withdrawn


def add_newest(data: dict[str, Any], shown: Sequence[ShownVersion]) -> None:
    """v2's added ``newest_version`` key: the version the upstream published last, only where
    it is not the latest (highest) one and came out after it (a backport); every other answer
    stays as it was. The rule is :mod:`backends.versions.newest`, as on the project page."""
    live = [version for version in shown if version.withdrawn_on is None]
    newest = newest_rule.newest_when_not_highest(
        live, lambda version: version.published_at, lambda version: version.created_on
    )
    if newest is not None:
        data["newest_version"] = newest.parsed


def latest_shown(shown: Sequence[ShownVersion]) -> ShownVersion | None:
    """The newest version shown that is not withdrawn (the latest version's row)."""
    return next((version for version in shown if version.withdrawn_on is None), None)


# -- JSON -------------------------------------------------------------------------------------


def project_json(
    row: dict[str, Any],
    shown: Sequence[ShownVersion],
    *,
    extended: bool = False,
    packages: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Anitya's Project JSON (v1, v2, messages); ``extended`` adds v2's extra keys and
    ``packages`` makes it the detailed form. Keys are sorted, as Flask's jsonify sends them."""
    stable = [version.parsed for version in shown if not version.prerelease]
    data: dict[str, Any] = {
        "backend": row["backend"],
        "created_on": epoch(row["created_on"]),
        "ecosystem": row["ecosystem_name"],
        "homepage": row["homepage"],
        "id": row["id"],
        "name": row["name"],
        "regex": row["regex"],
        "stable_versions": stable,
        "updated_on": epoch(row["updated_on"]),
        "version": row["latest_version"],
        "version_url": row["version_url"],
        "versions": [version.parsed for version in shown],
    }
    if extended:
        latest = latest_shown(shown)
        live_stable = [v.parsed for v in shown if not v.prerelease and v.withdrawn_on is None]
        data["latest_stable_version"] = live_stable[0] if live_stable else None
        data["latest_version_created_on"] = naive_iso(latest.created_on) if latest else None
        data["latest_version_published_on"] = naive_iso(latest.published_at) if latest else None
        data["pre_release_filter"] = row["pre_release_filter"]
        # The package's Package URL (backends/purls), null where its type has none.
        data["purl"] = purls.project_purl(purls.ProjectFields.of(row))
        data["version_filter"] = row["version_filter"]
        add_withdrawn(data, shown)
        add_newest(data, shown)
    if packages is not None:
        data["packages"] = packages
    return dict(sorted(data.items()))


def versions_json(row: dict[str, Any], shown: Sequence[ShownVersion]) -> dict[str, Any]:
    """API v2's answer about a project's versions (``/api/v2/versions/?project_id=``)."""
    body: dict[str, Any] = {
        "latest_version": row["latest_version"],
        "stable_versions": [v.parsed for v in shown if not v.prerelease],
        "versions": [v.parsed for v in shown],
    }
    latest = latest_shown(shown)
    if latest and latest.created_on:
        body["latest_version_created_on"] = naive_iso(latest.created_on)
    if latest and latest.published_at:
        body["latest_version_published_on"] = naive_iso(latest.published_at)
    add_withdrawn(body, shown)
    add_newest(body, shown)
    return body


def package_json(
    distro: str, package_name: str, row: dict[str, Any], shown: Sequence[ShownVersion]
) -> dict[str, Any]:
    """One mapping as API v2's packages list shows it (``/api/v2/packages/``)."""
    return {
        "distribution": distro,
        "ecosystem": row["ecosystem_name"],
        "name": package_name,
        "project": row["name"],
        "stable_version": next((v.parsed for v in shown if not v.prerelease), None),
        "version": row["latest_version"],
    }


def dumps(data: Any) -> str:
    """Compact JSON with sorted keys; U+2028/9 escaped as DRF's renderer does."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def instance_json(project: Project, *, extended: bool = False) -> dict[str, Any]:
    """The Project JSON of a model instance (e.g. a project that could not be created)."""
    row = row_of(project)
    stored = (
        [(v.version, v.created_on, v.published_at, v.withdrawn_on) for v in project.versions.all()]
        if project.pk
        else []
    )
    return project_json(row, shown_versions(row, stored), extended=extended)


def detailed_json(project_id: int) -> dict[str, Any] | None:
    """The detailed Project JSON (with packages) of one project; None if there is none."""
    rows = load_rows([project_id])
    if project_id not in rows:
        return None
    row = rows[project_id]
    shown = shown_versions(row, load_versions([project_id]).get(project_id, []))
    packages = load_packages([project_id]).get(project_id, [])
    return project_json(row, shown, packages=packages)
