"""Sourceforge (git): the tags of a git repository hosted on sourceforge.net (Allura).

SourceForge offers no tag API, so, like Anitya, the check reads the repository's
``/p/<project>/<repo>/ref/master/tags/`` page: every tag is a link to
``/p/<project>/<repo>/ci/<tag>/tree/`` whose only content is the tag name (the sidebar's links
wrap their text in a ``<span>`` and are skipped). Each tag's ``ci/<tag>/`` page is its commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

from bs4 import BeautifulSoup, Comment
from bs4.element import NavigableString

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import MAX_VERSION_LENGTH, releases_from_page, web_url

if TYPE_CHECKING:
    from backends.http import HttpClient

SOURCEFORGE_URL = "https://sourceforge.net"
_PROJECT_PREFIX = f"{SOURCEFORGE_URL}/p/"


def tags_page(spec: ProjectSpec) -> tuple[str, str, str]:
    """``(url, project, repository)``: the tags page to read and whose links are tags.

    - a version URL on ``https://sourceforge.net/p/`` is read as is when it already names a
      ref page (``.../ref/<branch>/tags/``), else its project and repository are used;
    - any other version URL is the SourceForge project name, repository ``git``;
    - without one, a ``https://sourceforge.net/p/<project>[/<repo>]`` homepage gives them
      (repository ``git`` by default), else the project name is the SourceForge name.
    """
    version_url = (spec.version_url or "").strip()
    homepage = (spec.homepage or "").strip()
    if version_url.startswith(_PROJECT_PREFIX):
        project, repository = _project_and_repository(version_url)
        if "/ref/" in urlsplit(version_url).path:
            return version_url, project, repository
    elif version_url:
        project, repository = version_url.strip("/"), "git"
    elif homepage.startswith(_PROJECT_PREFIX):
        project, repository = _project_and_repository(homepage)
    else:
        project, repository = spec.name.strip(), "git"
    url = (
        f"{_PROJECT_PREFIX}{quote(project, safe='')}/{quote(repository, safe='')}/ref/master/tags/"
    )
    return url, project, repository


def _project_and_repository(url: str) -> tuple[str, str]:
    parts = [unquote(part) for part in urlsplit(url).path.split("/") if part]
    # parts[0] is "p"
    project = parts[1] if len(parts) > 1 else ""
    repository = parts[2] if len(parts) > 2 else "git"
    return project, repository


class SourceforgeGit(Backend):
    """Tags of a git repository on sourceforge.net."""

    name = "Sourceforge (git)"
    examples = (
        "https://sourceforge.net/p/flightgear/flightgear/",
        "https://sourceforge.net/p/zsh/code/",
    )
    fields = {
        "version_url": FieldHelp(
            "Sourceforge name",
            "The SourceForge project name (its repository is then the one called git), or the "
            "repository's address, e.g. https://sourceforge.net/p/flightgear/flightgear/. "
            "Leave empty when the homepage is that address.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The tags page the check reads."""
        return tags_page(spec)[0]

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag listed on the tags page."""
        url, project, repository = tags_page(spec)
        if not project or not repository:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: no SourceForge project name."
            )
        return releases_from_page(
            spec, http, url, lambda html: parse_tags_page(html, project, repository)
        )


def parse_tags_page(html: str, project: str, repository: str) -> list[Release]:
    """Releases from a tags page: links into ``/p/<project>/<repo>/ci/`` holding only text."""
    commits = f"/p/{project}/{repository}/ci/"
    soup = BeautifulSoup(html, "html.parser")
    releases: list[Release] = []
    seen: set[str] = set()
    for anchor in soup.find_all("a", href=True):
        href = unquote(str(anchor["href"]))
        if not href.startswith(commits) or len(anchor.contents) != 1:
            continue
        text = anchor.contents[0]
        if not isinstance(text, NavigableString) or isinstance(text, Comment):
            continue
        version = str(text).strip()
        if not version or len(version) > MAX_VERSION_LENGTH or version in seen:
            continue
        seen.add(version)
        releases.append(Release(version=version, commit_url=_commit_url(str(anchor["href"]))))
    return releases


def _commit_url(href: str) -> str | None:
    """``/p/x/y/ci/<tag>/tree/`` -> the tag's commit page ``.../ci/<tag>/``."""
    path = href.removesuffix("tree/") if href.endswith("/tree/") else href
    return web_url(f"{SOURCEFORGE_URL}{path}")
