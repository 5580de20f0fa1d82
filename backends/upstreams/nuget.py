"""NuGet: the versions a NuGet V3 package source lists for a package (nuget.org or any feed).

The V3 API's "Package Content" resource (``PackageBaseAddress/3.0.0``, the "flat container")
answers ``GET {base}/{lower-id}/index.json`` with ``{"versions": [...]}``: every version the
source has, lowercased and normalized, in one small document
(https://learn.microsoft.com/nuget/api/package-base-address-resource). A source publishes
that base in its service index (https://learn.microsoft.com/nuget/api/service-index), so a
private feed costs one more request; nuget.org's base is well known and read directly.

The flat container lists unlisted versions too and dates none of them: only the much larger,
paged registration resource says which are listed and when each was published.

The release feed is nuget.org's catalog (https://learn.microsoft.com/nuget/api/catalog-resource):
its index lists pages with the time of their last commit, each page lists the packages
committed to it (``nuget:id``, ``nuget:version``, ``commitTimeStamp``, ``@type``
``nuget:PackageDetails`` or ``nuget:PackageDelete``). A read takes the pages committed after
its cursor, the feed's window before now, and the versions committed after the cursor in them.

A throttled request is answered ``429`` with ``Retry-After`` and a body saying "Try again in
N seconds" (https://learn.microsoft.com/nuget/api/rate-limits); either gives the reset time.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from backends.base import (
    Backend,
    BackendError,
    FeedEntry,
    FieldHelp,
    ProjectSpec,
    Release,
)
from backends.http import display_url, parse_reset_time
from backends.upstreams._common import as_dict, not_found_means, parse_iso_datetime, web_url
from backends.upstreams._registries import (
    bad_registry_url,
    checked_name,
    get_unless_throttled,
    json_object,
    registry_base,
    version_string,
)

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

PUBLIC_SOURCE = "https://api.nuget.org/v3/index.json"
PUBLIC_PACKAGE_BASE = "https://api.nuget.org/v3-flatcontainer/"
PACKAGE_BASE_TYPE = "PackageBaseAddress/3.0.0"
CATALOG_URL = "https://api.nuget.org/v3/catalog0/index.json"
# Feeds are read every few minutes: a quarter of an hour overlaps the previous read. A page
# holds about 550 commits; more pages than this within the window are a flood, not news.
FEED_WINDOW = dt.timedelta(minutes=15)
MAX_FEED_PAGES = 4
# NuGet's own rule for package IDs (NuGet.Packaging's PackageIdValidator): word characters
# joined by single dots or dashes, at most 100 characters.
PACKAGE_ID = re.compile(r"\w+(?:[.-]\w+)*")
MAX_ID_LENGTH = 100
# nuget.org's throttling answer: {"statusCode": 429, "message": "Rate limit is exceeded. Try
# again in 41 seconds."}. Longer numbers are junk (parse_reset_time caps waits at a day).
_TRY_AGAIN = re.compile(r"(?i)try again in (\d{1,9}) seconds?")


def _source_index_url(base: str) -> str:
    """The service index of a package source given as in nuget.config.

    Sources are usually given by their service index (``.../v3/index.json``, GitHub's
    ``https://nuget.pkg.github.com/<owner>/index.json``); a bare feed root gets the usual path.
    """
    return base if base.lower().endswith(".json") else f"{base}/v3/index.json"


def _package_base(http: HttpClient, index_url: str) -> str:
    """The ``PackageBaseAddress/3.0.0`` URL a package source's service index announces."""
    with not_found_means(
        f"No NuGet service index at {display_url(index_url)}. Check the package source URL: "
        "it is the one in nuget.config, and usually ends in /v3/index.json."
    ):
        index = json_object(get_json(http, index_url), index_url)
    resources = index.get("resources")
    if not isinstance(resources, list):
        raise BackendError(
            f"{display_url(index_url)}: unexpected answer (not a NuGet V3 service index: no "
            "list of resources). Check the package source URL."
        )
    for resource in resources:
        resource = as_dict(resource)
        if resource.get("@type") == PACKAGE_BASE_TYPE and (base := web_url(resource.get("@id"))):
            return base if base.endswith("/") else base + "/"
    raise BackendError(
        f"{display_url(index_url)}: the package source announces no {PACKAGE_BASE_TYPE} "
        "resource, so it cannot list a package's versions. Check the package source URL."
    )


class NuGet(Backend):
    """Every version a NuGet V3 package source has of a package, listed or not."""

    name = "NuGet"
    examples = (
        "https://www.nuget.org/packages/Newtonsoft.Json",
        "https://www.nuget.org/packages/NUnit",
    )
    fields = {
        "name": FieldHelp(
            "NuGet package ID",
            "The package ID, as in https://www.nuget.org/packages/<ID> (any case).",
            required=True,
        ),
        "version_url": FieldHelp(
            "Package source (optional)",
            "Leave empty for nuget.org. For a private or self-hosted feed or a mirror (Azure "
            "Artifacts, GitHub Packages, BaGet, Nexus, ProGet, ...), its NuGet V3 package "
            "source URL as in nuget.config, e.g. "
            "https://pkgs.dev.azure.com/<org>/_packaging/<feed>/nuget/v3/index.json; a URL "
            "that does not end in .json is read as the feed root (<URL>/v3/index.json). A "
            "feed that needs a password takes it in the URL: https://user:token@host/...",
        ),
    }
    default_version_scheme = "Semantic"
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        """nuget.org's version list, or the package source's service index (read first)."""
        if not (spec.version_url or "").strip():
            return _versions_url(PUBLIC_PACKAGE_BASE, spec.name)
        base = registry_base(spec, PUBLIC_SOURCE)
        return _source_index_url(base) if base else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        package_id = checked_name(
            spec,
            PACKAGE_ID,
            "NuGet package ID",
            f'an ID is at most {MAX_ID_LENGTH} letters, digits and "_", joined by single dots '
            "or dashes",
            max_length=MAX_ID_LENGTH,
        )
        if (spec.version_url or "").strip():
            base = registry_base(spec, PUBLIC_SOURCE)
            if base is None:
                raise bad_registry_url(spec, "NuGet package source", PUBLIC_SOURCE)
            where = "that package source"
            package_base = _package_base(http, _source_index_url(base))
        else:
            where, package_base = "nuget.org", PUBLIC_PACKAGE_BASE
        url = _versions_url(package_base, package_id)
        # The source answers 404 when it has no version of the ID at all.
        with not_found_means(f'No package "{package_id}" on {where}: {display_url(url)}'):
            data = json_object(get_json(http, url, conditional=True), url)
        versions = data.get("versions")
        if not isinstance(versions, list):
            raise BackendError(f"{display_url(url)}: unexpected answer (no list of versions)")
        http.budget.check_versions(len(versions))
        releases = [Release(v) for item in versions if (v := version_string(item)) is not None]
        if not releases:
            raise BackendError(f'{display_url(url)} lists no version of "{package_id}".')
        return releases

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The package versions nuget.org's catalog committed within the feed's window."""
        cursor = dt.datetime.now(dt.UTC) - FEED_WINDOW
        index = json_object(get_json(http, CATALOG_URL), CATALOG_URL)
        pages = index.get("items")
        if not isinstance(pages, list):
            raise BackendError(f"{CATALOG_URL}: unexpected answer (no list of catalog pages)")
        newer = sorted(
            (when, url)
            for page in pages
            if (when := _committed(page)) is not None
            and when > cursor
            and (url := web_url(as_dict(page).get("@id")))
        )
        entries: list[FeedEntry] = []
        seen: set[tuple[str, str]] = set()
        for _when, url in newer[-MAX_FEED_PAGES:]:
            items = json_object(get_json(http, url), url).get("items")
            if not isinstance(items, list):
                raise BackendError(f"{display_url(url)}: unexpected answer (no list of items)")
            for item in sorted(items, key=lambda item: _committed(item) or cursor):
                entry = _feed_entry(as_dict(item), cursor)
                if entry is not None and (entry.name, entry.version) not in seen:
                    seen.add((entry.name, entry.version))
                    entries.append(entry)
        return entries


def _committed(value: object) -> dt.datetime | None:
    return parse_iso_datetime(as_dict(value).get("commitTimeStamp"))


def _feed_entry(item: dict[str, Any], cursor: dt.datetime) -> FeedEntry | None:
    """A catalog item's package version, if it was published (not deleted) after ``cursor``."""
    when = _committed(item)
    if item.get("@type") != "nuget:PackageDetails" or when is None or when <= cursor:
        return None
    package_id, version = item.get("nuget:id"), version_string(item.get("nuget:version"))
    if not isinstance(package_id, str) or len(package_id) > MAX_ID_LENGTH or version is None:
        return None
    if not PACKAGE_ID.fullmatch(package_id):
        return None
    return FeedEntry(package_id, version, f"https://www.nuget.org/packages/{package_id}")


def _versions_url(package_base: str, package_id: str) -> str:
    # The flat container names packages by their ID lowercased (ToLowerInvariant).
    return f"{package_base}{quote(package_id.strip().lower(), safe='')}/index.json"


def get_json(http: HttpClient, url: str, *, conditional: bool = False) -> Any:
    """The JSON answer at ``url``; a ``429`` is a :class:`RateLimited` of the source's host
    until ``Retry-After``, else the "Try again in N seconds" of its body."""
    return get_unless_throttled(http, url, _reset_at, conditional=conditional).json()


def _reset_at(throttled: HttpResponse) -> dt.datetime:
    headers = throttled.headers.copy()
    if not (headers.get("Retry-After") or "").strip():
        found = _TRY_AGAIN.search(throttled.content[:4096].decode("utf-8", "replace"))
        if found is not None:
            headers["Retry-After"] = found.group(1)
    return parse_reset_time(headers)
