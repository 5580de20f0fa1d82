"""Bitbucket Cloud: the tags of a repository through the API 2.0, newest commit first.

``refs/tags?sort=-target.date`` lists the most recently committed tags first, with each tag's
commit page and date. A project's first check follows the answer's ``next`` link through every
page; later checks read the first page only, conditionally. Anitya read the first page only
and ignored the project's version filter; here the filter is the pipeline's job, as for every
backend.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, RateLimited, Release
from backends.upstreams._common import as_dict, hosted_repository, parse_iso_datetime, web_url

if TYPE_CHECKING:
    from backends.http import HttpClient

API_URL = "https://api.bitbucket.org/2.0/repositories"
PAGE_SIZE = 100  # the API's maximum `pagelen`
# At most 5,000 tags on a first check: bounded, whatever the upstream answers.
MAX_PAGES = 50
_BITBUCKET_HOSTS = ("bitbucket.org", "www.bitbucket.org")
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
_ERROR_PREFIX = "Could not retrieve versions from Bitbucket API: "


def parse_repository(spec: ProjectSpec) -> tuple[str, str] | None:
    """``(workspace, repository)`` from the version URL (``owner/repo`` or a bitbucket.org
    URL), else from a bitbucket.org homepage; extra path (``/src/...``, ``/downloads``) is
    ignored."""
    return hosted_repository(spec, _BITBUCKET_HOSTS, _NAME, _NAME)


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
            http.budget.check_versions(len(releases))  # before reading one more page
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
                release = _release(as_dict(tag))
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
    target = as_dict(tag.get("target"))
    href = as_dict(as_dict(as_dict(target.get("links")).get("html"))).get("href")
    commit_url = web_url(href, "https://bitbucket.org/")
    published = parse_iso_datetime(target.get("date")) or parse_iso_datetime(tag.get("date"))
    return Release(version=name, commit_url=commit_url, published_at=published)
