"""CPAN (perl): a distribution's metacpan.org page, and metacpan's feed of recent uploads."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import Backend, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.regexes import project_regex, versions_by_regex
from backends.upstreams._common import rss_titles

if TYPE_CHECKING:
    from backends.http import HttpClient

FEED_URL = "https://metacpan.org/feed/recent"
# "Dist-Name-1.23" -> ("Dist-Name", "1.23"): split at the last "-" before a digit (or v+digit).
_TITLE = re.compile(r"(?P<name>\S+)-(?P<version>v?\d\S*)")


def split_release(title: str) -> tuple[str, str] | None:
    """A CPAN release name's distribution and version; None if it has no version part."""
    match = _TITLE.fullmatch(title.strip())
    if match is None:
        return None
    return match.group("name"), match.group("version")


class Cpan(Backend):
    """The release archive a distribution's metacpan page offers, found by the default regex."""

    name = "CPAN (perl)"
    examples = ("https://metacpan.org/dist/Net-Whois-Raw/", "https://metacpan.org/dist/SOAP/")
    fields = {
        "name": FieldHelp(
            "Distribution name",
            "The distribution on CPAN, as in https://metacpan.org/dist/<name> "
            "(e.g. Net-Whois-Raw).",
            required=True,
        ),
    }
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        return f"https://metacpan.org/dist/{quote(spec.name.strip(), safe='')}/"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        return versions_by_regex(
            http, self.version_url(spec), project_regex(None, spec.name.strip()), spec
        )

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The latest uploads to CPAN; item titles read ``"Dist-Name-1.23"``."""
        entries = []
        for title in rss_titles(http.get_xml(FEED_URL)):
            release = split_release(title)
            if release is None:
                continue
            name, version = release
            entries.append(FeedEntry(name, version, f"https://metacpan.org/dist/{name}/"))
        return entries
