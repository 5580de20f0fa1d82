"""Cgit: versions from the snapshot archives listed on a repository's ``refs/tags`` page.

Like Anitya, the version is the name of a snapshot archive (``cgit-1.2.3.tar.xz``) without
the project-name prefix and the extension, so tags spelled ``v1.2.3`` or ``release_1_2_3``
still give the version users download. Instances that disable snapshots list no archives; the
tag names themselves are then used, which Anitya could not do. The page is parsed with a real
HTML parser; each row's tag also gives a commit link and the tag's date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

from bs4 import BeautifulSoup, Tag

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import MAX_VERSION_LENGTH, releases_from_page, web_url

if TYPE_CHECKING:
    from backends.http import HttpClient

_ARCHIVE = re.compile(r"(.+?)\.(?:tar|tar\.[bglx]z|tbz2|zip)")


def _repository_url(spec: ProjectSpec) -> str:
    return (spec.version_url or spec.homepage or "").strip().rstrip("/")


class Cgit(Backend):
    """Snapshot archives (else tags) of a repository served by cgit."""

    name = "Cgit"
    examples = (
        "https://git.zx2c4.com/cgit",
        "https://git.savannah.gnu.org/cgit/gnuzilla.git",
    )
    fields = {
        "version_url": FieldHelp(
            "Cgit project url",
            "The repository's cgit address, e.g. https://git.zx2c4.com/cgit. Leave empty when "
            "the homepage is that address. Versions come from the snapshot archives "
            "(<project name>-<version>.tar.gz gives <version>), else from the tag names.",
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        """The tags page the check reads."""
        base = _repository_url(spec)
        return f"{base}/refs/tags" if base else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """The versions of the snapshot archives (else the tags) on the tags page."""
        base = _repository_url(spec)
        if not base:
            raise BackendError(f"Project {spec.name} was incorrectly set up: no cgit URL.")
        return releases_from_page(
            spec, http, f"{base}/refs/tags", lambda html: parse_tags_page(html, spec.name, base)
        )


def parse_tags_page(html: str, name: str, base: str) -> list[Release]:
    """Releases from a cgit ``refs/tags`` page of the repository at ``base``."""
    soup = BeautifulSoup(html, "html.parser")
    prefix = f"{name.lower()}-"
    by_snapshot: list[Release] = []
    by_tag: list[Release] = []
    seen_snapshots: set[str] = set()
    seen_tags: set[str] = set()
    for row in soup.find_all("tr"):
        tag_name = _tag_name(row)
        commit_url = _commit_url(base, tag_name) if tag_name else None
        published = _row_date(row)
        for anchor in row.find_all("a"):
            match = _ARCHIVE.fullmatch(anchor.get_text(strip=True))
            if not match:
                continue
            version = match.group(1)
            if version.lower().startswith(prefix):
                version = version[len(prefix) :]
            if version and len(version) <= MAX_VERSION_LENGTH and version not in seen_snapshots:
                seen_snapshots.add(version)
                by_snapshot.append(Release(version, commit_url, published))
        if tag_name and tag_name not in seen_tags:
            seen_tags.add(tag_name)
            by_tag.append(Release(tag_name, commit_url, published))
    return by_snapshot or by_tag


def _tag_name(row: Tag) -> str | None:
    """The tag of a row: its ``tag/?h=<name>`` link (cgit's first column)."""
    for anchor in row.find_all("a", href=True):
        parts = urlsplit(str(anchor["href"]))
        if not parts.path.rstrip("/").endswith("/tag") and parts.path.rstrip("/") != "tag":
            continue
        names = parse_qs(parts.query).get("h")
        if names and names[0] and len(names[0]) <= MAX_VERSION_LENGTH:
            return names[0]
    return None


def _commit_url(base: str, tag_name: str) -> str | None:
    """cgit's commit page accepts any revision, a tag name included."""
    return web_url(f"{base}/commit/?id={quote(tag_name, safe='')}")


def _row_date(row: Tag) -> dt.datetime | None:
    """The age column's exact date: ``<span class='age-...' title='2020-03-13 17:50:24 -0600'>``."""
    for span in row.find_all("span", title=True):
        classes: str | list[str] = span.get("class") or []
        if not any(str(cls).startswith("age") for cls in classes):
            continue
        try:
            parsed = dt.datetime.strptime(str(span["title"]).strip(), "%Y-%m-%d %H:%M:%S %z")
            return parsed.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            continue
    return None
