"""Go modules: the tagged versions a Go module proxy lists (proxy.golang.org, Athens, a mirror).

The GOPROXY protocol (https://go.dev/ref/mod#goproxy-protocol) answers
``<base>/<module>/@v/list`` with the module's versions as plain text, one per line, in no
particular order and without pseudo-versions; ``<base>/<module>/@latest`` names the newest
one, which for a module without tags is a pseudo-version. Module paths are unique, so the
backend is an ecosystem. Each major version from v2 on is its own module
(``example.com/mod/v2``), so it is its own project; ``+incompatible`` versions (v2+ tags of a
module without a ``/vN`` path) are what ``go get`` resolves for that path and are kept as they
are (SemVer ignores the build suffix when ordering).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.http import display_url
from backends.upstreams._common import MAX_VERSION_LENGTH, as_dict, parse_iso_datetime

if TYPE_CHECKING:
    from backends.http import HttpClient, HttpResponse

DEFAULT_PROXY = "https://proxy.golang.org"
# The public index of every version the public proxy saw, oldest first, 2,000 at most per
# answer (https://index.golang.org). Feeds are read every few minutes: asking for the last
# quarter of an hour overlaps the previous read and stays far below one answer's 2,000.
FEED_URL = "https://index.golang.org/index"
FEED_WINDOW = dt.timedelta(minutes=15)
FEED_LIMIT = 2000
# Long enough for any real module path (the go command has no limit, but a URL has).
MAX_PATH_LENGTH = 300
# 404 and 410 both mean "not on this proxy" (the protocol); their text/plain body says why.
NOT_THERE = (404, 410)
_MAX_EXPLANATION = 200

# Canonical semantic versions as the go command writes them (a leading v, three numbers).
_VERSION = re.compile(
    r"v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"
)
# golang.org/x/mod/module's pseudo-version grammar: untagged commits, never releases.
_PSEUDO = re.compile(
    r"v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?"
)
# golang.org/x/mod/module.CheckPath: the first element is a lower-case host name with a dot,
# every element is made of letters, digits and -._~ and neither starts nor ends with a dot.
_FIRST_ELEMENT = re.compile(r"[a-z0-9][a-z0-9.-]*\.[a-z0-9.-]*[a-z0-9-]")
_ELEMENT = re.compile(r"[A-Za-z0-9_~-]([A-Za-z0-9._~-]*[A-Za-z0-9_~-])?")


def module_path(name: str) -> str | None:
    """The module path a project names (spaces and a trailing ``/`` forgiven), else None."""
    path = name.strip().rstrip("/")
    if not path or len(path) > MAX_PATH_LENGTH or not path.isascii():
        return None
    first, *rest = path.split("/")
    if not _FIRST_ELEMENT.fullmatch(first) or ".." in first:
        return None
    if not all(_ELEMENT.fullmatch(element) for element in rest):
        return None
    return path


def escape_path(path: str) -> str:
    """The proxy's case encoding: each upper-case letter becomes ``!`` and its lower case, so
    that ``github.com/BurntSushi/toml`` and ``github.com/burntsushi/toml`` stay apart on
    case-insensitive file systems."""
    escaped = re.sub(r"[A-Z]", lambda match: "!" + match.group().lower(), path)
    return quote(escaped, safe="/!~")


def proxy_base(version_url: str | None) -> str | None:
    """The proxy's base URL: the version URL, else proxy.golang.org; None if unusable.

    A GOPROXY list (``https://goproxy.example,direct``) is accepted: its first entry is used.
    """
    value = (version_url or "").strip()
    if not value:
        return DEFAULT_PROXY
    value = re.split(r"[,|]", value, maxsplit=1)[0].strip().rstrip("/")
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.query or parts.fragment or any(c.isspace() for c in value):
        return None
    return value


def is_release(version: str) -> bool:
    """Whether a proxy's version names a tag (a canonical version, not a pseudo-version)."""
    return (
        len(version) <= MAX_VERSION_LENGTH
        and _VERSION.fullmatch(version) is not None
        and _PSEUDO.fullmatch(version) is None
    )


def _explanation(response: HttpResponse) -> str:
    """The first line of the proxy's plain-text reason for a 404/410, short and printable."""
    content_type = (response.headers.get("Content-Type") or "").lower()
    if not content_type.startswith("text/plain"):
        return ""
    line = response.text.strip().split("\n", 1)[0].strip()
    line = "".join(c for c in line if c.isprintable())
    if len(line) > _MAX_EXPLANATION:
        line = line[: _MAX_EXPLANATION - 3] + "..."
    return f" The proxy says: {line}" if line else ""


class GoModules(Backend):
    """Every tagged version of a Go module, as a Go module proxy lists them."""

    name = "Go modules"
    examples = ("github.com/go-kit/kit", "golang.org/x/text", "github.com/jackc/pgx/v5")
    fields = {
        "name": FieldHelp(
            "Go module path",
            "The module path, as in go.mod, e.g. github.com/go-kit/kit. From v2 on, a major "
            "version is a module of its own (github.com/jackc/pgx/v5): add it as its own "
            "project.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Go module proxy URL",
            "Leave empty for the public proxy, https://proxy.golang.org. For a private or "
            "self-hosted proxy (Athens, Artifactory, a mirror), its base URL as you would set "
            "it in GOPROXY, e.g. https://goproxy.example.com (http or https only).",
        ),
    }
    default_version_scheme = "Semantic"
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        base, path = proxy_base(spec.version_url), module_path(spec.name)
        if base is None or path is None:
            return ""
        return f"{base}/{escape_path(path)}/@v/list"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        base, path = proxy_base(spec.version_url), module_path(spec.name)
        if base is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the Go module proxy URL must be "
                "an http or https address such as https://proxy.golang.org, or empty."
            )
        if path is None:
            raise BackendError(
                f'Project {spec.name} was incorrectly set up: "{spec.name}" is not a Go module '
                "path. Use the path from go.mod, e.g. github.com/go-kit/kit."
            )
        url = f"{base}/{escape_path(path)}/@v/list"
        response = http.get(url, conditional=True, accept_statuses=(200, *NOT_THERE))
        if response.status in NOT_THERE:
            raise BackendError(
                f'No Go module "{path}" on {display_url(base)}: {display_url(url)} answered '
                f"HTTP {response.status}.{_explanation(response)}"
            )
        releases, junk = _listed_releases(response.text)
        if releases:
            return releases
        if junk:
            raise BackendError(
                f"{display_url(url)}: unexpected answer (no line is a version such as v1.2.3). "
                "Check that the Go module proxy URL is the proxy's base URL."
            )
        return [_latest(path, f"{base}/{escape_path(path)}/@latest", http)]

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """Module versions the public proxy saw in the last quarter of an hour, newest last."""
        since = (dt.datetime.now(dt.UTC) - FEED_WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = http.get_text(FEED_URL, params={"since": since, "limit": str(FEED_LIMIT)})
        entries: list[FeedEntry] = []
        seen: set[tuple[str, str]] = set()
        read_any = False
        for line in text.splitlines():
            if not line.strip() or len(line) > 2 * MAX_PATH_LENGTH + MAX_VERSION_LENGTH:
                continue
            try:
                record = as_dict(json.loads(line))
            except (ValueError, RecursionError):
                continue
            read_any = True
            path, version = record.get("Path"), record.get("Version")
            if not isinstance(path, str) or not isinstance(version, str):
                continue
            if module_path(path) != path or not is_release(version):
                continue
            if (path, version) not in seen:
                seen.add((path, version))
                entries.append(FeedEntry(path, version, f"https://pkg.go.dev/{path}"))
        if text.strip() and not read_any:
            raise BackendError(f"{FEED_URL}: unexpected answer (no line is a JSON record)")
        return entries


def _listed_releases(text: str) -> tuple[list[Release], bool]:
    """The releases of an ``@v/list`` answer, and whether it had lines that are no version.

    As the go command does, each line's first field is the version and pseudo-versions are
    skipped; some proxies add the version's time as a second field, which is kept.
    """
    releases: list[Release] = []
    seen: set[str] = set()
    junk = False
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        version = fields[0]
        if len(version) > MAX_VERSION_LENGTH or _VERSION.fullmatch(version) is None:
            junk = True
            continue
        if _PSEUDO.fullmatch(version) is not None or version in seen:
            continue
        seen.add(version)
        published = parse_iso_datetime(fields[1]) if len(fields) > 1 else None
        releases.append(Release(version, published_at=published))
    return releases, junk and not releases


def _latest(path: str, url: str, http: HttpClient) -> Release:
    """The one release ``@latest`` names, for a proxy whose list is empty.

    A module without tags has only pseudo-versions, which are not releases: that is an error
    the user can act on (tag a release), not an empty success.
    """
    no_tag = (
        f"{path}: the Go module proxy lists no tagged version ({display_url(url)}); a module "
        "without tags only has pseudo-versions of its commits, which are not releases."
    )
    response = http.get(url, accept_statuses=(200, *NOT_THERE))
    if response.status in NOT_THERE:
        raise BackendError(no_tag)
    info = response.json()
    if not isinstance(info, dict) or not isinstance(info.get("Version"), str):
        raise BackendError(f"{display_url(url)}: unexpected answer (no Version)")
    version = info["Version"]
    if len(version) <= MAX_VERSION_LENGTH and _PSEUDO.fullmatch(version):
        raise BackendError(f"{no_tag} Its latest is {version}.")
    if not is_release(version):
        raise BackendError(f"{display_url(url)}: unexpected answer (Version is not a version)")
    return Release(version, published_at=parse_iso_datetime(info.get("Time")))
