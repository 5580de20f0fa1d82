"""Bitbucket Cloud: the tags of a repository through the API 2.0, newest commit first.

``refs/tags?sort=-target.date`` lists the most recently committed tags first, with each tag's
commit page and date. A project's first check follows the answer's ``next`` link through every
page; later checks read the first page only, conditionally. Anitya read the first page only
and ignored the project's version filter; here the filter is the pipeline's job, as for every
backend.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, RateLimited, Release

if TYPE_CHECKING:
    from backends.http import HttpClient

API_URL = "https://api.bitbucket.org/2.0/repositories"
PAGE_SIZE = 100  # the API's maximum `pagelen`
# At most 5,000 tags on a first check: bounded, whatever the upstream answers.
MAX_PAGES = 50
_BITBUCKET_HOSTS = ("bitbucket.org", "www.bitbucket.org")
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
_MAX_URL_LENGTH = 500
_ERROR_PREFIX = "Could not retrieve versions from Bitbucket API: "


def _parse_datetime(value: object) -> dt.datetime | None:
    """An aware UTC datetime from Bitbucket's ISO 8601 strings; anything else is no date."""
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # year 1 with a +14:00 offset is not a UTC date
        return None


def _as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_repository(spec: ProjectSpec) -> tuple[str, str] | None:
    """``(workspace, repository)`` from the version URL (``owner/repo`` or a bitbucket.org
    URL), else from a bitbucket.org homepage; extra path (``/src/...``, ``/downloads``) is
    ignored."""
    value = (spec.version_url or "").strip()
    bare_allowed = bool(value)
    if not value:
        value = (spec.homepage or "").strip()
    if "://" not in value and value.lower().startswith(_BITBUCKET_HOSTS):
        value = "https://" + value
    if "://" in value:
        try:
            parts = urlsplit(value)
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https"):
            return None
        if (parts.hostname or "").lower() not in _BITBUCKET_HOSTS:
            return None
        value = parts.path
    elif not bare_allowed:
        return None
    segments = [segment for segment in value.split("/") if segment]
    if len(segments) < 2:
        return None
    workspace, repository = segments[0], segments[1].removesuffix(".git")
    if not _NAME.fullmatch(workspace) or not _NAME.fullmatch(repository):
        return None
    if {workspace, repository} & {".", ".."}:
        return None
    return workspace, repository


class BitBucket(Backend):
    """Tags of a Bitbucket Cloud repository."""

    name = "BitBucket"
    examples = (
        "https://bitbucket.org/zzzeek/sqlalchemy",
        "https://bitbucket.org/berkeleylab/upcxx",
    )
    fields = {
        "version_url": FieldHelp(
            "BitBucket owner/project",
            "The repository as owner/project, e.g. berkeleylab/upcxx (a bitbucket.org URL also "
            "works). Leave empty when the homepage is the repository's bitbucket.org page.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The API endpoint the check reads."""
        repository = parse_repository(spec)
        return _tags_url(*repository) + "?sort=-target.date" if repository else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag on a first check, the newest page afterwards."""
        repository = parse_repository(spec)
        if repository is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the BitBucket version URL must be "
                '"owner/project" (or leave it empty with a https://bitbucket.org/owner/project '
                "homepage)."
            )
        try:
            releases = self._read_tags(spec, http, _tags_url(*repository))
        except RateLimited:
            raise
        except BackendError as error:
            raise BackendError(f"{_ERROR_PREFIX}{error}") from error
        if not releases:
            raise BackendError(f"{_ERROR_PREFIX}{spec.name}: no upstream version found.")
        return releases

    def _read_tags(self, spec: ProjectSpec, http: HttpClient, url: str) -> list[Release]:
        releases: list[Release] = []
        seen_pages: set[str] = set()
        next_url: str | None = None
        for number in range(MAX_PAGES if spec.first_check else 1):
            if next_url is None:
                payload = http.get_json(
                    url,
                    params={"sort": "-target.date", "pagelen": PAGE_SIZE},
                    conditional=number == 0,
                )
            else:
                payload = http.get_json(next_url)
            if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
                raise BackendError(f"{url}: the answer has no list of tags.")
            for tag in payload["values"]:
                release = _release(_as_dict(tag))
                if release is not None:
                    releases.append(release)
            candidate = payload.get("next")
            # Follow only links to the same endpoint: an answer must not send us elsewhere.
            if not isinstance(candidate, str) or not candidate.startswith(url + "?"):
                break
            if candidate in seen_pages:
                break
            seen_pages.add(candidate)
            next_url = candidate
        return releases


def _tags_url(workspace: str, repository: str) -> str:
    return f"{API_URL}/{workspace}/{repository}/refs/tags"


def _release(tag: dict[str, Any]) -> Release | None:
    name = tag.get("name")
    if not isinstance(name, str) or not name:
        return None
    target = _as_dict(tag.get("target"))
    href = _as_dict(_as_dict(_as_dict(target.get("links")).get("html"))).get("href")
    commit_url = None
    if (
        isinstance(href, str)
        and href.startswith("https://bitbucket.org/")
        and len(href) <= _MAX_URL_LENGTH
        and not any(c.isspace() for c in href)
    ):
        commit_url = href
    published = _parse_datetime(target.get("date")) or _parse_datetime(tag.get("date"))
    return Release(version=name, commit_url=commit_url, published_at=published)
