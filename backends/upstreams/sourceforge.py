"""The ``Sourceforge`` backend: the file release RSS feed of a SourceForge project."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from backends import regexes
from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import parse_rfc2822_datetime, path_segment

if TYPE_CHECKING:
    from backends.http import HttpClient


class Sourceforge(Backend):
    """Archives named ``<name>-<version>.tar.gz`` (or similar) among a project's files.

    The feed lists the newest 200 files. Versions are found with the default regex over the
    whole feed, as Anitya does; the feed's items then date each version (its oldest file).
    """

    name = "Sourceforge"
    examples = (
        "https://sourceforge.net/projects/filezilla/",
        "https://sourceforge.net/projects/file-folder-ren/",
    )
    fields: ClassVar[dict[str, FieldHelp]] = {
        "name": FieldHelp(
            "Name",
            "The files in the project's feed must be named '<name>-<version>.tar.gz' (or "
            "another archive extension).",
            required=True,
        ),
        "version_url": FieldHelp(
            "Sourceforge name",
            "The project's name on SourceForge (as in sourceforge.net/projects/<name>/), "
            "when it differs from the project name.",
        ),
    }

    def sourceforge_name(self, spec: ProjectSpec) -> str:
        """The SourceForge project: the version URL if given (a full project URL works too)."""
        given = (spec.version_url or "").strip()
        parts = urlsplit(given)
        if parts.scheme in ("http", "https") and parts.hostname in (
            "sourceforge.net",
            "www.sourceforge.net",
        ):
            segments = [segment for segment in parts.path.split("/") if segment]
            if len(segments) >= 2 and segments[0] in ("projects", "p"):
                return segments[1]
        return given or spec.name.strip()

    def version_url(self, spec: ProjectSpec) -> str:
        name = path_segment(self.sourceforge_name(spec))
        return f"https://sourceforge.net/projects/{name}/rss?limit=200"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        response = http.get(url, conditional=True)
        pattern = regexes.project_regex(None, spec.name)
        releases = regexes.releases_from(
            regexes.find_versions(pattern, response.text), spec, url, pattern
        )
        try:
            root = response.xml()
        except BackendError:  # a broken feed still names its files: keep the versions
            return releases
        dates: dict[str, dt.datetime] = {}
        for item in root.iter("item"):
            published = parse_rfc2822_datetime(item.findtext("pubDate"))
            if published is None:
                continue
            text = "\n".join(item.findtext(tag) or "" for tag in ("title", "link", "description"))
            for version in regexes.find_versions(pattern, text):
                if version not in dates or published < dates[version]:
                    dates[version] = published
        return [
            Release(release.version, published_at=dates.get(release.version))
            for release in releases
        ]
