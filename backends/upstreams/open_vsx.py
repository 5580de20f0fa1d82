"""Open VSX: the versions of a VS Code extension on open-vsx.org or a self-hosted instance.

The registry API (eclipse/openvsx, server/.../RegistryAPI.java; https://open-vsx.org/swagger-ui)
answers ``GET /api/{namespace}/{extension}/versions?size=&offset=`` with
``{"offset", "totalSize", "versions": {version: metadata URL}}``, newest first (ordered by
SemVer), a page at a time, and ``{"error": ...}`` with a 404 for an unknown extension.
A first check reads every page, later ones the first, conditionally.

Rate limits: a 429 carries ``X-Rate-Limit-Retry-After-Seconds``. The release feed is the
search API sorted by publication time (``/api/-/search?sortBy=timestamp``).
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
from backends.upstreams._common import as_dict, not_found_means
from backends.upstreams._registries import (
    bad_registry_url,
    get_unless_throttled,
    json_object,
    registry_base,
    shown,
    version_string,
)

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

PUBLIC = "https://open-vsx.org"
FEED_URL = f"{PUBLIC}/api/-/search"
FEED_SIZE = 100
PAGE_SIZE = 100
# At most 5,000 versions on a first check: bounded, whatever the upstream answers.
MAX_PAGES = 50
# Namespaces and extension names: Open VSX's rule (ExtensionValidator) is letters, digits and
# "-+$~_"; an extension name may also hold dots, a namespace may not.
NAMESPACE = re.compile(r"[\w\-+$~]+")
EXTENSION = re.compile(r"[\w\-+$~.]+")
MAX_ID_LENGTH = 255
RETRY_AFTER_SECONDS = "X-Rate-Limit-Retry-After-Seconds"


def extension_id(name: str) -> tuple[str, str] | None:
    """``(namespace, extension)`` of ``namespace.extension`` (or ``namespace/extension``)."""
    name = name.strip()
    if len(name) > MAX_ID_LENGTH:
        return None
    namespace, _dot, extension = name.partition("/" if "/" in name else ".")
    if not NAMESPACE.fullmatch(namespace) or not EXTENSION.fullmatch(extension):
        return None
    if extension in (".", ".."):
        return None
    return namespace, extension


class OpenVsx(Backend):
    """Every version of an extension on an Open VSX registry, newest page first."""

    name = "Open VSX"
    examples = (
        "https://open-vsx.org/extension/redhat/java",
        "https://open-vsx.org/extension/rust-lang/rust-analyzer",
    )
    fields = {
        "name": FieldHelp(
            "Extension ID",
            "namespace.extension, as in https://open-vsx.org/extension/<namespace>/<extension> "
            "(redhat.java).",
            required=True,
        ),
        "version_url": FieldHelp(
            "Open VSX registry (optional)",
            "Leave empty for https://open-vsx.org. For a self-hosted Open VSX or a mirror, "
            "give its address, e.g. https://openvsx.example.org.",
        ),
    }
    default_version_scheme = "Semantic"  # extension manifests must use SemVer
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        base = registry_base(spec, PUBLIC)
        found = extension_id(spec.name)
        if base is None or found is None:
            return ""
        namespace, extension = found
        return f"{base}/api/{quote(namespace, safe='')}/{quote(extension, safe='')}/versions"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        if extension_id(spec.name) is None:
            raise BackendError(
                f'"{shown(spec.name)}" is not an Open VSX extension ID: give '
                "namespace.extension, as in redhat.java."
            )
        url = self.version_url(spec)
        if not url:
            raise bad_registry_url(spec, "registry running Open VSX", PUBLIC)
        releases: list[Release] = []
        seen: set[str] = set()
        for page in range(MAX_PAGES if spec.first_check else 1):
            http.budget.check_versions(len(releases))  # before reading one more page
            offset = page * PAGE_SIZE  # the server reads offset / size as a page number
            missing = f'No extension "{spec.name.strip()}" on {_where(url)}: {display_url(url)}'
            with not_found_means(missing):
                data = _get_json(
                    http, url, params={"size": PAGE_SIZE, "offset": offset}, conditional=page == 0
                )
            versions = data.get("versions")
            if not isinstance(versions, dict):
                raise BackendError(f"{display_url(url)}: unexpected answer (no map of versions)")
            added = 0
            for key in versions:
                version = version_string(key)
                if version is not None and version not in seen:
                    seen.add(version)
                    releases.append(Release(version))
                    added += 1
            total = data.get("totalSize")
            read_all = isinstance(total, int) and offset + len(versions) >= total
            # A short page is the last; a page with nothing new means the server ignores
            # `offset` (or loops), which must not keep us going until the cap.
            if read_all or len(versions) < PAGE_SIZE or added == 0:
                break
        if not releases:
            raise BackendError(f'{display_url(url)} lists no version of "{spec.name.strip()}".')
        return releases

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The extensions published last on open-vsx.org, with their new version."""
        params = {"sortBy": "timestamp", "sortOrder": "desc", "size": FEED_SIZE}
        data = _get_json(http, FEED_URL, params=params)
        extensions = data.get("extensions")
        if not isinstance(extensions, list):
            raise BackendError(f"{FEED_URL}: unexpected answer (no list of extensions)")
        entries: list[FeedEntry] = []
        for item in extensions:
            entry = _feed_entry(as_dict(item))
            if entry is not None and entry not in entries:
                entries.append(entry)
        return entries


def _where(url: str) -> str:
    return "open-vsx.org" if url.startswith(PUBLIC + "/") else "that Open VSX registry"


def _get_json(
    http: HttpClient, url: str, *, params: dict[str, Any], conditional: bool = False
) -> dict[str, Any]:
    """One API answer as a JSON object; a 429 or an ``error`` document becomes an error."""
    response = get_unless_throttled(http, url, _reset_at, params=params, conditional=conditional)
    data = json_object(response.json(), url)
    error = data.get("error")
    if error:
        detail = " ".join(str(error).split())[:200]
        raise BackendError(f"{display_url(url)}: Open VSX answered an error: {detail}")
    return data


def _reset_at(response: HttpResponse) -> dt.datetime:
    """When a 429 ends: Open VSX's own header in seconds, else the usual ones."""
    seconds = (response.headers.get(RETRY_AFTER_SECONDS) or "").strip()
    if seconds.isdigit():
        # As a Retry-After, so the usual bounds apply (never past, never over a day away).
        return parse_reset_time({"Retry-After": seconds})
    return parse_reset_time(response.headers)


def _feed_entry(item: dict[str, Any]) -> FeedEntry | None:
    namespace, extension = item.get("namespace"), item.get("name")
    version = version_string(item.get("version"))
    if not isinstance(namespace, str) or not isinstance(extension, str) or version is None:
        return None
    if not NAMESPACE.fullmatch(namespace) or not EXTENSION.fullmatch(extension):
        return None
    homepage = f"{PUBLIC}/extension/{quote(namespace, safe='')}/{quote(extension, safe='')}"
    return FeedEntry(f"{namespace}.{extension}", version, homepage)
