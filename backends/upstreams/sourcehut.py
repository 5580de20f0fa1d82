"""SourceHut (git.sr.ht): the tags of a repository, from its refs RSS feed.

git.sr.ht publishes ``/~owner/repo/refs/rss.xml`` without authentication (its GraphQL API
needs a token); each feed item is a tag, with its date and a link to the tag's page. The feed
is parsed with defusedxml through the HTTP client.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import MAX_VERSION_LENGTH, parse_rfc2822_datetime, web_url

if TYPE_CHECKING:
    from backends.http import HttpClient

SOURCEHUT_URL = "https://git.sr.ht"
_PREFIXES = ("https://git.sr.ht/", "http://git.sr.ht/", "git.sr.ht/")
# SourceHut user and repository names: letters, digits, `_`, `-`, `.`.
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")


def parse_repository(spec: ProjectSpec) -> tuple[str, str] | None:
    """``(owner, repository)`` from the version URL (``owner/repo``, ``~owner/repo`` or a
    git.sr.ht URL), else from a git.sr.ht homepage."""
    value = (spec.version_url or "").strip()
    if not value:
        homepage = (spec.homepage or "").strip()
        if not homepage.lower().startswith(_PREFIXES):
            return None
        value = homepage
    for prefix in _PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
            break
    parts = [part for part in value.split("?", 1)[0].split("/") if part]
    if len(parts) < 2:
        return None
    owner, repository = parts[0].removeprefix("~"), parts[1]
    if not _NAME.fullmatch(owner) or not _NAME.fullmatch(repository):
        return None
    if {owner, repository} & {".", ".."}:
        return None
    return owner, repository


class SourceHut(Backend):
    """Tags of a git.sr.ht repository."""

    name = "SourceHut"
    examples = (
        "https://git.sr.ht/~sircmpwn/scdoc",
        "https://git.sr.ht/~sircmpwn/builds.sr.ht",
    )
    fields = {
        "version_url": FieldHelp(
            "SourceHut owner/project",
            "The repository as owner/project, e.g. sircmpwn/scdoc (without the ~). Leave "
            "empty when the homepage is the repository's https://git.sr.ht/~owner/project page.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The RSS feed the check reads."""
        repository = parse_repository(spec)
        if repository is None:
            return ""
        return f"{SOURCEHUT_URL}/~{repository[0]}/{repository[1]}/refs/rss.xml"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Every tag in the feed, in feed order."""
        repository = parse_repository(spec)
        if repository is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the SourceHut version URL must "
                'be "owner/project" (or leave it empty with a https://git.sr.ht/~owner/project '
                "homepage)."
            )
        url = self.version_url(spec)
        feed = http.get_xml(url, conditional=True)
        releases = parse_feed(feed)
        if not releases:
            raise BackendError(f"{spec.name}: no upstream version found. - {url}")
        return releases


def parse_feed(feed: Element) -> list[Release]:
    """Releases from the items of a refs RSS feed."""
    releases: list[Release] = []
    for item in feed.iter("item"):
        version = (item.findtext("title") or "").strip()
        if not version or len(version) > MAX_VERSION_LENGTH:
            continue
        link = (item.findtext("link") or "").strip()
        commit_url = web_url(link, f"{SOURCEHUT_URL}/")
        releases.append(
            Release(version, commit_url, parse_rfc2822_datetime(item.findtext("pubDate")))
        )
    return releases
