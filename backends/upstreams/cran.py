"""CRAN (R): the crandb mirror of CRAN's package metadata, and its feed of releases."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import not_found_means, parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient

CRANDB = "https://crandb.r-pkg.org/"
FEED_URL = "https://crandb.r-pkg.org/-/pkgreleases"


class Cran(Backend):
    """Every version crandb records for a CRAN package (archived ones included)."""

    name = "CRAN (R)"
    examples = (
        "https://cran.r-project.org/web/packages/whisker/index.html",
        "https://cran.r-project.org/package=ggplot2",
    )
    fields = {
        "name": FieldHelp(
            "CRAN package name",
            "The name on CRAN, as in https://cran.r-project.org/package=<name>.",
            required=True,
        ),
    }
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        return f"{CRANDB}{quote(spec.name.strip(), safe='')}/all"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        with not_found_means(f'No package "{spec.name}" on CRAN: {url}'):
            data = http.get_json(url, conditional=True)
        versions = data.get("versions") if isinstance(data, dict) else None
        if not isinstance(versions, dict) or not versions:
            raise BackendError(f"No versions found at {url}")
        timeline = data.get("timeline")
        if not isinstance(timeline, dict):
            timeline = {}
        return [
            Release(version, published_at=parse_iso_datetime(timeline.get(version)))
            for version in versions
        ]

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The 50 latest releases on CRAN, newest first."""
        data = http.get_json(FEED_URL, params={"descending": "true", "limit": "50"})
        if not isinstance(data, list):
            raise BackendError(f"{FEED_URL}: unexpected answer (not a list of releases)")
        entries = []
        for release in data:
            if not isinstance(release, dict):
                continue
            name = release.get("name")
            package = release.get("package")
            version = package.get("Version") if isinstance(package, dict) else None
            if isinstance(name, str) and name and isinstance(version, str) and version:
                entries.append(
                    FeedEntry(name, version, f"https://cran.r-project.org/package={name}")
                )
        return entries
