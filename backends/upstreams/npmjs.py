"""npmjs: the package documents of registry.npmjs.org, and its replication change feed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.http import ResponseTooLarge
from backends.upstreams._common import not_found_means, parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient

REGISTRY = "https://registry.npmjs.org/"
# The abbreviated "corgi" document: versions without readmes or `time` (see Npmjs.fetch).
ABBREVIATED = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
# skimdb.npmjs.com is gone; the registry's CouchDB-style replication endpoint remains.
FEED_URL = "https://replicate.npmjs.com/_changes"


def package_url(name: str) -> str:
    """The registry document of a package; a scoped name's slash is escaped (`@s%2Fname`)."""
    return REGISTRY + quote(name.strip(), safe="@")


def _homepage(doc: dict[str, Any], name: str) -> str:
    homepage = doc.get("homepage")
    if isinstance(homepage, str) and homepage.startswith(("https://", "http://")):
        return homepage
    return f"https://www.npmjs.com/package/{name}"


class Npmjs(Backend):
    """Every version the npm registry lists for a package."""

    name = "npmjs"
    examples = ("https://www.npmjs.org/package/request", "https://www.npmjs.org/package/colors")
    fields = {
        "name": FieldHelp(
            "npm package name",
            "The name on npm, scoped names included (@scope/name).",
            required=True,
        ),
    }
    has_feed = True
    lists_every_version = True

    def version_url(self, spec: ProjectSpec) -> str:
        return package_url(spec.name)

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Read the full document, which has each version's publication time in ``time``.

        The abbreviated document (``Accept: application/vnd.npm.install-v1+json``) lists the
        same versions and is much smaller, but has no ``time``; so it is only the fallback for
        packages whose full document exceeds the response size cap (a few huge packages with
        thousands of versions), where versions without dates beat no check at all.
        """
        url = self.version_url(spec)
        with not_found_means(f"No versions found at {url}"):
            try:
                doc = http.get_json(url, conditional=True)
            except ResponseTooLarge:
                doc = http.get_json(url, headers={"Accept": ABBREVIATED}, conditional=True)
        if not isinstance(doc, dict) or "error" in doc:
            raise BackendError(f"No versions found at {url}")
        versions = doc.get("versions")
        if not isinstance(versions, dict) or not versions:
            raise BackendError(f"No versions found at {url}")
        times = doc.get("time")
        if not isinstance(times, dict):
            times = {}
        return [
            Release(version, published_at=parse_iso_datetime(times.get(version)))
            for version in versions
        ]

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The latest changes of the registry's replication feed.

        The feed names the changed packages; a version is only known when a result embeds
        the package document (``doc``, with ``dist-tags.latest``). Results without one are
        skipped rather than fetched one by one (100 extra requests per feed read).
        """
        data = http.get_json(FEED_URL, params={"descending": "true", "limit": "100"})
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            raise BackendError(f"{FEED_URL}: unexpected answer (no list of results)")
        entries = []
        for result in results:
            if not isinstance(result, dict) or result.get("deleted"):
                continue
            doc = result.get("doc")
            if not isinstance(doc, dict):
                continue
            name = doc.get("name") or result.get("id")
            tags = doc.get("dist-tags")
            version = tags.get("latest") if isinstance(tags, dict) else None
            if isinstance(name, str) and name and isinstance(version, str) and version:
                entries.append(FeedEntry(name, version, _homepage(doc, name)))
        return entries
