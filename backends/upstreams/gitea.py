"""Gitea and Forgejo (Codeberg, self-hosted instances): tags or releases through the API v1.

A release's version is its tag name, not its title (Anitya used the title, which is free text
such as "Forgejo 1.20 - the summer release"). Both endpoints list newest first and page with
``limit``/``page``: a first check reads every page, later checks the first one, conditionally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import as_dict, commit_link, forge_url, parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient

PAGE_SIZE = 50  # Gitea's default maximum page size
# At most 2,500 tags on a first check: bounded, whatever the upstream answers.
MAX_PAGES = 50


def parse_repository_url(spec: ProjectSpec) -> tuple[str, str, str] | None:
    """``(origin, owner, repository)`` from the version URL, else the homepage.

    Anitya's rule: after dropping a trailing ``/`` and ``.git``, the URL must be exactly
    ``<scheme>//<host>/<owner>/<repository>`` (five ``/``-separated parts).
    """
    url = (spec.version_url or spec.homepage or "").strip().rstrip("/").removesuffix(".git")
    found = forge_url(url)
    if found is None:
        return None
    origin, parts = found
    if len(parts) != 2 or any(c in "?#" for c in "".join(parts)):
        return None
    return origin, parts[0], parts[1]


class Gitea(Backend):
    """Tags (or releases) of a repository on a Gitea or Forgejo instance."""

    name = "Gitea"
    examples = (
        "https://codeberg.org/forgejo/forgejo",
        "https://gitea.com/gitea/tea",
    )
    fields = {
        "version_url": FieldHelp(
            "Gitea/Forgejo project url",
            "The repository's web address on any Gitea or Forgejo server: Codeberg (e.g. "
            "https://codeberg.org/forgejo/forgejo), gitea.com or a self-hosted instance "
            "(https://git.example.org/owner/repo). Leave empty when the homepage is that "
            "address.",
        ),
        "releases_only": FieldHelp(
            "Check releases instead of tags",
            "Read the repository's releases (their tag names are the versions) instead of "
            "every tag.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The API endpoint the check reads."""
        repository = parse_repository_url(spec)
        return _api_url(repository, spec.releases_only) if repository else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag or release on a first check, the newest page afterwards."""
        repository = parse_repository_url(spec)
        if repository is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the Gitea/Forgejo project URL "
                "must look like https://<host>/<owner>/<repository>."
            )
        url = _api_url(repository, spec.releases_only)
        origin, owner, name = repository
        web_base = f"{origin}/{quote(owner, safe='')}/{quote(name, safe='')}"
        parse = _from_release if spec.releases_only else _from_tag

        releases: list[Release] = []
        seen: set[str] = set()
        for page in range(1, (MAX_PAGES if spec.first_check else 1) + 1):
            http.budget.check_versions(len(releases))  # before reading one more page
            items = http.get_json(
                url, params={"limit": PAGE_SIZE, "page": page}, conditional=page == 1
            )
            if not isinstance(items, list):
                raise BackendError(f"{url}: the answer is not a list of tags or releases.")
            added = 0
            for item in items:
                release = parse(as_dict(item), web_base)
                if release is not None and release.version not in seen:
                    seen.add(release.version)
                    releases.append(release)
                    added += 1
            # A short page is the last one; a page with nothing new means the server ignores
            # `page` (or loops), which must not keep us going until the cap.
            if len(items) < PAGE_SIZE or added == 0:
                break
        if not releases:
            raise BackendError(f"{spec.name}: No upstream version found.")
        return releases


def _api_url(repository: tuple[str, str, str], releases_only: bool) -> str:
    origin, owner, name = repository
    endpoint = "releases" if releases_only else "tags"
    return f"{origin}/api/v1/repos/{quote(owner, safe='')}/{quote(name, safe='')}/{endpoint}"


def _from_tag(tag: dict[str, Any], web_base: str) -> Release | None:
    name = tag.get("name")
    if not isinstance(name, str) or not name:
        return None
    commit = as_dict(tag.get("commit"))
    return Release(
        version=name,
        commit_url=commit_link(f"{web_base}/commit/", commit.get("sha")),
        published_at=parse_iso_datetime(commit.get("created")),
    )


def _from_release(release: dict[str, Any], web_base: str) -> Release | None:
    # The tag name, not the free-text title (`name`), is the version.
    tag_name = release.get("tag_name")
    if not isinstance(tag_name, str) or not tag_name:
        return None
    if release.get("draft") is True:
        return None  # a draft is not published (and its tag may not exist yet)
    published = parse_iso_datetime(release.get("published_at")) or parse_iso_datetime(
        release.get("created_at")
    )
    return Release(version=tag_name, published_at=published)
