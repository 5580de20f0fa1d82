"""Gogs (notabug.org and self-hosted instances): the tags listed on a repository's releases page.

Gogs has no public tag API worth the name on old instances, so, like Anitya, the check reads
the HTML releases page: every release or bare tag there is a link carrying a tag icon
(``<i class="tag icon">``) followed by the tag name. The page is parsed with a real HTML
parser, and the commit link shown next to a tag becomes its commit URL.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup, Tag

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import (
    MAX_VERSION_LENGTH,
    commit_link,
    forge_url,
    releases_from_page,
)

if TYPE_CHECKING:
    from backends.http import HttpClient

_COMMIT_HREF = re.compile(r"/src/([0-9a-f]{7,64})/?$")


def parse_repository_url(spec: ProjectSpec) -> tuple[str, str] | None:
    """``(origin, path)`` from the version URL, else the homepage (``owner/repo...``).

    Anitya's rule: the URL must have at least five ``/``-separated parts
    (``<scheme>//<host>/<owner>/<repository>``). A trailing ``/`` or ``.git`` is dropped.
    """
    url = (spec.version_url or spec.homepage or "").strip()
    url = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    url = url.removesuffix(".git").removesuffix("/releases")
    found = forge_url(url)
    return (found[0], "/".join(found[1])) if found else None


class Gogs(Backend):
    """Tags listed on a Gogs repository's releases page."""

    name = "Gogs"
    examples = (
        "https://notabug.org/libreboot/lbmk",
        "https://try.gogs.io/gogs/gogs",
    )
    fields = {
        "version_url": FieldHelp(
            "Gogs project url",
            "The repository's web address, e.g. https://notabug.org/libreboot/lbmk. Leave "
            "empty when the homepage is that address.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The releases page the check reads."""
        repository = parse_repository_url(spec)
        return f"{repository[0]}/{repository[1]}/releases" if repository else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """The tags on the releases page, in page order (newest first)."""
        repository = parse_repository_url(spec)
        if repository is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the Gogs project URL must look "
                "like https://<host>/<owner>/<repository>."
            )
        web_base = f"{repository[0]}/{repository[1]}"
        return releases_from_page(
            spec, http, f"{web_base}/releases", lambda html: parse_releases_page(html, web_base)
        )


def parse_releases_page(html: str, web_base: str) -> list[Release]:
    """Releases from a Gogs releases page; ``web_base`` is the repository's web address."""
    soup = BeautifulSoup(html, "html.parser")
    releases: list[Release] = []
    seen: set[str] = set()
    for icon in soup.find_all("i", class_="tag"):
        classes: str | list[str] = icon.get("class") or []
        link = icon.find_parent("a")
        if "icon" not in classes or link is None:
            continue
        version = link.get_text(" ", strip=True)
        if not version or len(version) > MAX_VERSION_LENGTH or version in seen:
            continue
        seen.add(version)
        releases.append(Release(version=version, commit_url=_commit_url(link, web_base)))
    return releases


def _commit_url(link: Tag, web_base: str) -> str | None:
    """The commit shown next to the tag, in the same release entry (``<li>``)."""
    entry = link.find_parent("li")
    if entry is None:
        return None
    for icon in entry.find_all("i", class_="code"):
        anchor = icon.find_parent("a")
        href = anchor.get("href") if anchor is not None else None
        match = _COMMIT_HREF.search(href) if isinstance(href, str) else None
        if match:
            return commit_link(f"{web_base}/commit/", match.group(1))
    return None
