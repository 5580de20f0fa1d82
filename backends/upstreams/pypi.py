"""PyPI: the JSON API of pypi.org, and its RSS feed of recent uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import not_found_means, parse_iso_datetime, rss_titles

if TYPE_CHECKING:
    from backends.http import HttpClient

FEED_URL = "https://pypi.org/rss/updates.xml"


def _release(version: str, files: Any) -> Release:
    """The release of one ``releases`` entry, ``withdrawn`` when every one of its files is
    yanked.

    Anitya looked only at the first file's ``yanked`` flag, so a release whose first wheel was
    yanked (e.g. a broken build replaced by a new upload) vanished although its other files
    stay installable. A version is yanked for pip only when all its files are (PEP 592), so
    that is the rule here. A version without files is kept, as in Anitya. A yanked release is
    never stored as new; a stored one is marked withdrawn (``backends.withdrawals``).
    """
    if not isinstance(files, list):
        files = []
    files = [file for file in files if isinstance(file, dict)]
    yanked = bool(files) and all(file.get("yanked") is True for file in files)
    times = [
        stamp
        for file in files
        if (
            stamp := parse_iso_datetime(file.get("upload_time_iso_8601") or file.get("upload_time"))
        )
    ]
    return Release(version, published_at=min(times) if times else None, withdrawn=yanked)


class PyPI(Backend):
    """Every release of a project on pypi.org (the yanked ones flagged)."""

    name = "PyPI"
    examples = ("https://pypi.org/project/pip", "https://pypi.org/project/requests")
    fields = {
        "name": FieldHelp(
            "PyPI project name",
            "The name on PyPI, as in https://pypi.org/project/<name>/.",
            required=True,
        ),
    }
    has_feed = True
    lists_every_version = True

    def version_url(self, spec: ProjectSpec) -> str:
        return f"https://pypi.org/pypi/{quote(spec.name.strip(), safe='')}/json"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        with not_found_means(f"Package not found on PyPI: {url}"):
            data = http.get_json(url, conditional=True)
        if not isinstance(data, dict):
            raise BackendError(f"{url}: unexpected answer (not a JSON object)")
        releases = data.get("releases")
        # A project whose every release was deleted has no `releases`: no versions, no error.
        if not isinstance(releases, dict):
            return []
        return [_release(version, files) for version, files in releases.items()]

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The 40 latest uploads; item titles read ``"<name> <version>"``."""
        entries = []
        for title in rss_titles(http.get_xml(FEED_URL)):
            name, _, version = title.rpartition(" ")
            if not name or not version:
                continue
            entries.append(FeedEntry(name, version, f"https://pypi.org/project/{name}/"))
        return entries
