"""GitLab (gitlab.com or any self-hosted instance): repository tags through the REST API v4.

The project is named by its web URL, subgroups included, and addressed in the API by its
URL-encoded path. The tags endpoint lists the most recently updated tags first, 100 per page:
a project's first check follows the pagination headers to read every tag, later checks read
the first page only, conditionally, so an unchanged project costs one 304.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from requests.utils import parse_header_links

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import as_dict, commit_link, forge_url, parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

PAGE_SIZE = 100
# At most 5,000 tags on a first check: enough for any real project, bounded for hostile ones.
MAX_PAGES = 50


def parse_project_url(spec: ProjectSpec) -> tuple[str, str] | None:
    """``(origin, path)`` of the GitLab project, e.g. ``("https://gitlab.com", "a/b/c")``.

    Taken from the version URL, else the homepage. Like Anitya, the URL needs a host, an
    owner and a project (five ``/``-separated parts); everything after the owner is the
    project's path within its (sub)groups. A trailing ``.git`` and GitLab's own ``/-/...``
    pages (``/-/tags``, ``/-/tree/main``) are ignored, so a copied browser URL works too.
    """
    url = (spec.version_url or spec.homepage or "").strip()
    if "/-/" in url:
        url = url.split("/-/", 1)[0]
    url = url.split("?", 1)[0].split("#", 1)[0].rstrip("/").removesuffix(".git")
    found = forge_url(url)
    return (found[0], "/".join(found[1])) if found else None


def api_url(origin: str, path: str) -> str:
    """The tags endpoint of a project: its path URL-encoded as a single segment."""
    return f"{origin}/api/v4/projects/{quote(path, safe='')}/repository/tags"


class GitLab(Backend):
    """Tags of a project on any GitLab instance."""

    name = "GitLab"
    examples = (
        "https://gitlab.com/gitlab-org/gitlab",
        "https://gitlab.gnome.org/GNOME/gnome-video-arcade",
        "https://gitlab.freedesktop.org/mesa/drm",
    )
    fields = {
        "version_url": FieldHelp(
            "GitLab project url",
            "The project's web address on its GitLab instance, subgroups included, e.g. "
            "https://gitlab.com/group/subgroup/project. Leave empty when the homepage is "
            "that address.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The API endpoint the check reads."""
        project = parse_project_url(spec)
        return api_url(*project) if project else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag on a first check, the newest page afterwards."""
        project = parse_project_url(spec)
        if project is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the GitLab project URL must look "
                "like https://<gitlab host>/<owner>/<project>."
            )
        origin, path = project
        url = api_url(origin, path)
        web_base = f"{origin}/{path}"

        releases: list[Release] = []
        seen: set[str] = set()
        page = 1
        page_url: str | None = None  # a Link rel="next" URL, when GitLab gives no page number
        for number in range(MAX_PAGES if spec.first_check else 1):
            http.budget.check_versions(len(releases))  # before reading one more page
            if page_url is not None:
                response = http.get(page_url)
            else:
                response = http.get(
                    url,
                    params={"per_page": PAGE_SIZE, "page": page},
                    conditional=number == 0,
                )
            tags = response.json()
            if not isinstance(tags, list):
                raise BackendError(f"{url}: GitLab answered something that is not a tag list.")
            added = 0
            for tag in tags:
                release = _release(as_dict(tag), web_base)
                if release is not None and release.version not in seen:
                    seen.add(release.version)
                    releases.append(release)
                    added += 1
            if added == 0:
                break  # an empty page, or an upstream answering the same page again
            next_page, page_url = _next_page(response, url, page)
            if next_page is None and page_url is None:
                break
            page = next_page or page + 1
        if not releases:
            raise BackendError("No upstream version found.")
        return releases


def _next_page(response: HttpResponse, url: str, page: int) -> tuple[int | None, str | None]:
    """The next page as a number (X-Next-Page) or a URL (Link rel="next"), or neither."""
    header = response.headers.get("X-Next-Page")
    if header is not None:
        header = header.strip()
        if header.isdigit() and 0 < len(header) < 7 and int(header) > page:
            return int(header), None
        return None, None
    for link in parse_header_links(response.headers.get("Link") or ""):
        if link.get("rel") == "next":
            target = link.get("url") or ""
            # Only follow links to the same endpoint: a Link header must not send us elsewhere.
            if target.startswith(url + "?"):
                return None, target
    return None, None


def _release(tag: dict[str, Any], web_base: str) -> Release | None:
    name = tag.get("name")
    if not isinstance(name, str) or not name:
        return None
    commit = as_dict(tag.get("commit"))
    commit_url = commit_link(f"{web_base}/-/commit/", commit.get("id"))
    published = (
        parse_iso_datetime(as_dict(tag.get("release")).get("created_at"))
        or parse_iso_datetime(tag.get("created_at"))
        or parse_iso_datetime(commit.get("created_at"))
        or parse_iso_datetime(commit.get("committed_date"))
    )
    return Release(version=name, commit_url=commit_url, published_at=published)
