"""PEAR and PECL: the REST release lists of the two PHP channels, and their RSS feeds.

Both channels run the same software, so one class serves both, with the host as the only
difference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import child_texts, not_found_means, rss_titles

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from backends.http import HttpClient


def release_versions(root: Element) -> list[str]:
    """The ``<r><v>`` entries of an allreleases.xml document (namespace ignored)."""
    return child_texts(root, "r", "v")


class _PhpChannel(Backend):
    """A PEAR-protocol channel; subclasses name the host."""

    host: ClassVar[str]
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        # The REST paths use lower-case names with "_" where the package name has "-".
        package = spec.name.strip().lower().replace("-", "_")
        return f"https://{self.host}/rest/r/{quote(package, safe='')}/allreleases.xml"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        with not_found_means(
            f"No versions found for {spec.name}: no such package on {self.host} ({url})"
        ):
            root = http.get_xml(url, conditional=True)
        versions = release_versions(root)
        if not versions:
            raise BackendError(f"No versions found for {spec.name}")
        return [Release(version) for version in versions]

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The latest releases of the channel; item titles read ``"Package_Name 1.2.3"``."""
        entries = []
        for title in rss_titles(http.get_xml(f"https://{self.host}/feeds/latest.rss")):
            name, _, version = title.rpartition(" ")
            if name and version:
                homepage = f"https://{self.host}/package/{name}"
                entries.append(FeedEntry(name, version, homepage))
        return entries


class Pear(_PhpChannel):
    """Every release of a package on pear.php.net."""

    name = "PEAR"
    host = "pear.php.net"
    examples = ("https://pear.php.net/package/Mail", "https://pear.php.net/package/PHP_UML")
    fields = {
        "name": FieldHelp(
            "PEAR package name",
            "The name on pear.php.net, as in https://pear.php.net/package/<name>.",
            required=True,
        ),
    }


class Pecl(_PhpChannel):
    """Every release of an extension on pecl.php.net."""

    name = "PECL"
    host = "pecl.php.net"
    examples = ("https://pecl.php.net/package/inotify", "https://pecl.php.net/package/imagick")
    fields = {
        "name": FieldHelp(
            "PECL package name",
            "The name on pecl.php.net, as in https://pecl.php.net/package/<name>.",
            required=True,
        ),
    }
