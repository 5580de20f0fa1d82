"""The AUR (Arch User Repository): a package's current version from the aurweb RPC interface.

``GET /rpc/?v=5&type=info&arg[]=<name>`` (https://aur.archlinux.org/rpc, aurweb's
doc/rpc.txt) answers ``{"type": "multiinfo", "results": [{"Name", "Version", ...}]}``, or
``{"type": "error", "error": "..."}``. The AUR keeps only a package's current PKGBUILD, so
there is one version per check; the pipeline keeps the history.

``Version`` is ``[epoch:]pkgver-pkgrel``. The check returns ``pkgver``, the upstream version:
``pkgrel`` counts rebuilds of the same upstream version and the epoch only overrides the
ordering for pacman, so keeping them would announce a rebuild as a release and would sort
``1.2-10`` above ``1.2.1-1``.

Its release feed is ``/rss/modified``, an RSS 2.0 feed of the 100 packages modified last,
each item titled with the package's name only (aurweb's ``aurweb/routers/rss.py``); one RPC
info request for those names (``arg[]`` repeated) gives their versions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from backends.base import (
    Backend,
    BackendError,
    FeedEntry,
    FieldHelp,
    ProjectSpec,
    RateLimited,
    Release,
)
from backends.http import display_url, parse_reset_time
from backends.upstreams._common import as_dict, not_found_means, rss_titles
from backends.upstreams._registries import (
    bad_registry_url,
    checked_name,
    json_object,
    registry_base,
    version_string,
)

if TYPE_CHECKING:
    from backends.http import HttpClient

PUBLIC = "https://aur.archlinux.org"
# makepkg's rule for package names: letters, digits and @ . _ + -, not starting with - or .
PACKAGE_NAME = re.compile(r"[A-Za-z0-9@_+][A-Za-z0-9@._+-]*")
# Far beyond any AUR name (they are at most a few dozen characters).
MAX_NAME_LENGTH = 255
# Unix times outside this range are junk, not a modification date.
_LATEST_TIMESTAMP = 2**33
FEED_URL = f"{PUBLIC}/rss/modified"
RPC_URL = f"{PUBLIC}/rpc/"
# aurweb's feed lists 100 packages; more names from a feed are junk and never asked for.
MAX_FEED_NAMES = 100


def upstream_version(version: str) -> str:
    """``pkgver`` of a ``[epoch:]pkgver-pkgrel`` string (neither part may contain ``-``/``:``)."""
    pkgver = version.rsplit("-", 1)[0] if "-" in version else version
    epoch, colon, rest = pkgver.partition(":")
    return rest if colon and epoch.isdigit() and rest else pkgver


class Aur(Backend):
    """The current version of a package in the AUR (or another aurweb instance)."""

    name = "AUR"
    examples = ("https://aur.archlinux.org/packages/yay", "https://aur.archlinux.org/packages/paru")
    fields = {
        "name": FieldHelp(
            "AUR package name",
            "The package name, as in https://aur.archlinux.org/packages/<name>. The check "
            "reports the upstream version (pkgver), without the epoch and the package release.",
            required=True,
        ),
        "version_url": FieldHelp(
            "aurweb address (optional)",
            "Leave empty for the AUR (https://aur.archlinux.org). To watch another aurweb "
            "instance or a mirror of the AUR, give its address, e.g. https://aur.example.org.",
        ),
    }

    # The AUR allows an address 4,000 RPC requests a day (aurweb's [ratelimit] section): at
    # the default hourly check, 167 projects would spend it. Every 6 hours, 666 fit. The feed
    # (read every 5 minutes) spends 288 of them a day and makes changed projects due at once.
    check_interval = dt.timedelta(hours=6)
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        base = registry_base(spec, PUBLIC)
        if base is None:
            return ""
        return f"{base}/rpc/?v=5&type=info&arg[]={quote(spec.name.strip(), safe='')}"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        name = checked_name(
            spec,
            PACKAGE_NAME,
            "AUR package name",
            'a package name is made of letters, digits and "@._+-", and does not start with '
            '"-" or "."',
            max_length=MAX_NAME_LENGTH,
        )
        url = self.version_url(spec)
        if not url:
            raise bad_registry_url(spec, "registry running aurweb", PUBLIC)
        where = "the AUR" if url.startswith(PUBLIC + "/") else "that aurweb instance"
        with not_found_means(f"{display_url(url)}: no aurweb RPC interface there (HTTP 404)."):
            data = json_object(http.get_json(url, conditional=True), url)
        error = data.get("error")
        if _is_rate_limit(error):
            # aurweb sends this with a 429 (which the client turns into RateLimited itself);
            # a proxy or an older instance may send it with a 200.
            raise RateLimited(parse_reset_time({}), scope=urlsplit(url).hostname or PUBLIC)
        if data.get("type") == "error" or error:
            detail = " ".join(str(error or "unknown error").split())[:200]
            raise BackendError(f"{display_url(url)}: the AUR answered an error: {detail}")
        results = data.get("results")
        if not isinstance(results, list):
            raise BackendError(f"{display_url(url)}: unexpected answer (no list of results)")
        package = _the_package(results, name)
        if package is None:
            raise BackendError(f'No package "{name}" in {where}: {display_url(url)}')
        version = version_string(package.get("Version"))
        if version is None or not (pkgver := upstream_version(version)):
            raise BackendError(f'{display_url(url)}: the package "{name}" has no version.')
        return [Release(pkgver, published_at=_timestamp(package.get("LastModified")))]

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The packages modified last, with their upstream versions (one RSS read and one RPC
        info request for every name in it)."""
        names: list[str] = []
        for title in rss_titles(http.get_xml(FEED_URL)):
            if (
                len(title) <= MAX_NAME_LENGTH
                and PACKAGE_NAME.fullmatch(title)
                and title not in names
            ):
                names.append(title)
        if not names:
            return []
        params = [("v", "5"), ("type", "info")]
        params += [("arg[]", name) for name in names[:MAX_FEED_NAMES]]
        data = json_object(http.get_json(RPC_URL, params=params), RPC_URL)
        error = data.get("error")
        if _is_rate_limit(error):
            raise RateLimited(parse_reset_time({}), scope=urlsplit(PUBLIC).hostname or PUBLIC)
        results = data.get("results")
        if data.get("type") == "error" or error or not isinstance(results, list):
            detail = " ".join(str(error or "no list of results").split())[:200]
            raise BackendError(f"{RPC_URL}: unexpected answer to the feed's names ({detail})")
        entries = []
        for result in results:
            package = as_dict(result)
            name, version = package.get("Name"), version_string(package.get("Version"))
            if not isinstance(name, str) or name not in names or version is None:
                continue
            if pkgver := upstream_version(version):
                entries.append(FeedEntry(name, pkgver, f"{PUBLIC}/packages/{name}"))
        return entries


def _is_rate_limit(error: object) -> bool:
    # aurweb answers "Rate limit reached" (with HTTP 429) once an address spent its daily quota.
    return isinstance(error, str) and "rate limit" in error.lower()


def _the_package(results: list[Any], name: str) -> dict[str, Any] | None:
    """The result named ``name``: an info request answers that package or nothing."""
    for result in results:
        package = as_dict(result)
        found = package.get("Name")
        if isinstance(found, str) and found.lower() == name.lower():
            return package
    return None


def _timestamp(value: object) -> dt.datetime | None:
    """A Unix time as aware UTC, else None (a bad date never fails a check)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < _LATEST_TIMESTAMP:
        return None
    return dt.datetime.fromtimestamp(value, dt.UTC)
