"""Rubygems: the versions API of rubygems.org, and its "just updated" activity feed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import (
    Backend,
    BackendError,
    FeedEntry,
    FieldHelp,
    PartialListing,
    ProjectSpec,
    Release,
)
from backends.http import HTTPStatusError
from backends.upstreams._common import parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient

API = "https://rubygems.org/api/v1/versions/"
FEED_URL = "https://rubygems.org/api/v1/activity/just_updated.json"


class Rubygems(Backend):
    """Every version of a gem (Anitya read only the latest one: pitfall 23, fixed)."""

    name = "Rubygems"
    examples = ("https://rubygems.org/gems/aa", "https://rubygems.org/gems/bio")
    fields = {
        "name": FieldHelp(
            "Gem name",
            "The name on rubygems.org, as in https://rubygems.org/gems/<name>.",
            required=True,
        ),
    }
    has_feed = True
    lists_every_version = True

    def version_url(self, spec: ProjectSpec) -> str:
        return f"{API}{quote(spec.name.strip(), safe='')}.json"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Read the full version list; fall back to Anitya's ``latest.json`` if it is missing.

        The full list answers 404 for an unknown gem; ``latest.json`` then confirms it with
        ``"unknown"`` (Anitya's error). The fallback also keeps checks working against a
        rubygems.org that would stop serving the full list, at the cost of history: that
        answer is a :class:`PartialListing`, so the versions it lacks are not withdrawn.
        """
        url = self.version_url(spec)
        try:
            data = http.get_json(url, conditional=True)
        except HTTPStatusError as error:
            if error.status != 404:
                raise
            return self._latest_only(spec, http)
        if not isinstance(data, list):
            raise BackendError(f"{url}: unexpected answer (not a list of versions)")
        # One entry per platform build (ruby, java, x86_64-linux, ...) of each version.
        published: dict[str, dt.datetime | None] = {}
        for entry in data:
            if not isinstance(entry, dict):
                continue
            number = entry.get("number")
            if not isinstance(number, str) or not number:
                continue
            created = parse_iso_datetime(entry.get("created_at"))
            known = published.get(number)
            published[number] = min(filter(None, (known, created)), default=None)
        if not published:
            raise BackendError(f"No versions found at {url}")
        return [Release(number, published_at=when) for number, when in published.items()]

    def _latest_only(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = f"{API}{quote(spec.name.strip(), safe='')}/latest.json"
        data = http.get_json(url, conditional=True)
        version = data.get("version") if isinstance(data, dict) else None
        if not isinstance(version, str) or not version or version == "unknown":
            raise BackendError(f'No gem "{spec.name}" found on rubygems.org: {url}')
        return PartialListing([Release(version)])

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The 50 gems most recently released, with the version just released."""
        data = http.get_json(FEED_URL)
        if not isinstance(data, list):
            raise BackendError(f"{FEED_URL}: unexpected answer (not a list of gems)")
        entries = []
        for gem in data:
            if not isinstance(gem, dict):
                continue
            name, version = gem.get("name"), gem.get("version")
            if not (isinstance(name, str) and name and isinstance(version, str) and version):
                continue
            homepage = gem.get("homepage_uri") or gem.get("project_uri")
            if not isinstance(homepage, str) or not homepage.startswith(("https://", "http://")):
                homepage = f"https://rubygems.org/gems/{name}"
            entries.append(FeedEntry(name, version, homepage))
        return entries
