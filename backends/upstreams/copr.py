"""Copr (copr.fedorainfracloud.org): versions of a package built in a Copr project.

Anitya has no Copr backend. A Copr package is named by its owner (a user, or a group spelled
``@group``), its project and the package; the check reads the project's builds of that package
through the API v3 (newest first, ``limit``/``offset`` pages: every page on a first check, the
newest afterwards) and keeps the succeeded ones. A build's version is its source package's
version without the RPM release (``1.2.3-1.fc40`` -> ``1.2.3``) and without an epoch
(``2:1.2-3`` -> ``1.2``): that is what upstream released. Rebuilds of one version count once,
dated by their first successful build.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import MAX_VERSION_LENGTH, as_dict

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

COPR_URL = "https://copr.fedorainfracloud.org"
API_URL = f"{COPR_URL}/api_3/build/list/"
PAGE_SIZE = 100
# At most 5,000 builds on a first check: bounded, whatever the upstream answers.
MAX_PAGES = 50
_COPR_HOSTS = ("copr.fedorainfracloud.org",)
_OWNER = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_NAME = re.compile(r"[A-Za-z0-9._+-]{1,100}")
_EPOCH = re.compile(r"[0-9]+:")
_MAX_EPOCH = 2**32


def parse_package(spec: ProjectSpec) -> tuple[str, str, str] | None:
    """``(owner, project, package)`` from the version URL.

    The version URL is ``owner/project/package``, or ``owner/project`` when the package is
    called like the monitored project. A group owner is ``@group``. A Copr web address
    (``https://copr.fedorainfracloud.org/coprs/<owner>/<project>/``, ``.../coprs/g/<group>/...``,
    optionally ``.../package/<package>/``) is understood too.
    """
    value = (spec.version_url or "").strip()
    if not value:
        return None
    if "://" in value:
        try:
            parts = urlsplit(value)
        except ValueError:
            return None
        if (parts.hostname or "").lower() not in _COPR_HOSTS:
            return None
        segments = [unquote(segment) for segment in parts.path.split("/") if segment]
        if not segments or segments[0] != "coprs":
            return None
        segments = segments[1:]
        if segments[:1] == ["g"]:
            segments = ["@" + segments[1], *segments[2:]] if len(segments) > 1 else []
        if len(segments) < 2:
            return None
        owner, project, rest = segments[0], segments[1], segments[2:]
        package = rest[1] if len(rest) > 1 and rest[0] == "package" else spec.name.strip()
    else:
        segments = [segment for segment in value.split("/") if segment]
        if len(segments) not in (2, 3):
            return None
        owner, project = segments[0], segments[1]
        package = segments[2] if len(segments) == 3 else spec.name.strip()
    if not _OWNER.fullmatch(owner) or not _NAME.fullmatch(project):
        return None
    if not _NAME.fullmatch(package):
        return None
    return owner, project, package


def upstream_version(rpm_version: str) -> str:
    """The upstream part of a source package's version: no epoch, no release."""
    version = rpm_version.strip()
    epoch = _EPOCH.match(version)
    if epoch:
        version = version[epoch.end() :]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return version


class Copr(Backend):
    """Versions of a package built in a Copr project."""

    name = "Copr"
    examples = (
        "https://copr.fedorainfracloud.org/coprs/g/copr/copr-dev/package/copr-frontend/",
        "https://copr.fedorainfracloud.org/coprs/atim/lazygit/",
    )
    fields = {
        "version_url": FieldHelp(
            "Copr owner/project/package",
            "The Copr package as owner/project/package, e.g. @copr/copr-dev/copr-frontend "
            "(a group owner starts with @). Write owner/project when the package has the "
            "project's name. A copr.fedorainfracloud.org address also works. Only succeeded "
            "builds count; the version is the package's version without its release.",
            required=True,
        ),
    }
    required_version_url = True

    def version_url(self, spec: ProjectSpec) -> str:
        """The package's page on Copr."""
        package = parse_package(spec)
        if package is None:
            return ""
        owner, project, name = package
        owner_path = f"g/{owner[1:]}" if owner.startswith("@") else owner
        return (
            f"{COPR_URL}/coprs/{quote(owner_path, safe='/')}/{quote(project, safe='')}"
            f"/package/{quote(name, safe='')}/"
        )

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every succeeded build's version on a first check, the newest page afterwards."""
        package = parse_package(spec)
        if package is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the Copr version URL must be "
                '"owner/project/package" (or "owner/project"; groups are written @group).'
            )
        owner, project, name = package
        by_version: dict[str, Release] = {}
        offset = 0
        for number in range(MAX_PAGES if spec.first_check else 1):
            http.budget.check_versions(len(by_version))  # before reading one more page
            response = http.get(
                API_URL,
                params={
                    "ownername": owner,
                    "projectname": project,
                    "packagename": name,
                    "limit": PAGE_SIZE,
                    "offset": offset,
                    "order": "id",
                    "order_type": "DESC",
                },
                conditional=number == 0,
                accept_statuses=(200, 400, 404),
            )
            builds = _builds(spec, response)
            for build in builds:
                release = _release(as_dict(build))
                if release is None:
                    continue
                known = by_version.get(release.version)
                if known is None or _earlier(release, known):
                    by_version[release.version] = release
            if len(builds) < PAGE_SIZE:
                break
            offset += len(builds)
        if not by_version:
            raise BackendError(
                f"{spec.name}: no succeeded build of {owner}/{project}/{name} found on Copr."
            )
        return list(by_version.values())


def _builds(spec: ProjectSpec, response: HttpResponse) -> list[Any]:
    """The ``items`` of an answer; Copr's ``{"error": ...}`` becomes the error message."""
    try:
        payload = response.json()
    except BackendError:
        if response.status != 200:
            raise BackendError(
                f'{spec.name}: "{response.url}" answered HTTP {response.status} '
                f"{response.reason}".rstrip()
            ) from None
        raise
    payload = as_dict(payload)
    if response.status != 200 or "error" in payload:
        detail = str(payload.get("error") or f"HTTP {response.status} {response.reason}")
        raise BackendError(f"{spec.name}: Copr answered: {detail[:300]}")
    items = payload.get("items")
    if not isinstance(items, list):
        raise BackendError(f"{spec.name}: the Copr answer has no list of builds.")
    return items


def _release(build: dict[str, Any]) -> Release | None:
    if build.get("state") != "succeeded":
        return None
    rpm_version = as_dict(build.get("source_package")).get("version")
    if not isinstance(rpm_version, str):
        return None
    version = upstream_version(rpm_version)
    if not version or len(version) > MAX_VERSION_LENGTH:
        return None
    return Release(version=version, published_at=_epoch(build.get("ended_on")))


def _epoch(value: object) -> dt.datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 < value < _MAX_EPOCH:
        return None
    return dt.datetime.fromtimestamp(value, dt.UTC)


def _earlier(release: Release, known: Release) -> bool:
    if release.published_at is None:
        return False
    return known.published_at is None or release.published_at < known.published_at
