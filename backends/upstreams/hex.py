"""Hex.pm: the releases of an Erlang/Elixir package through the Hex HTTP API.

``GET /api/packages/<name>`` answers the package with every release (``version``,
``inserted_at``) and, by version, the retired ones (``retirements``), as the API description
(https://github.com/hexpm/specifications/blob/main/apiary.apib) and hex.pm's package view
(https://github.com/hexpm/hexpm/blob/main/lib/hexpm_web/views/api/package_view.ex) show.

Retired releases are reported ``withdrawn``, as crates.io's yanked ones are (never stored
as new; a stored one is marked withdrawn): their maintainers no longer recommend them
(security issue, broken build, package renamed or deprecated), and Hex's registry format
says that "a retired release should only be resolved if it has already been locked in a
project" (registry/package.proto in the specifications). Announcing one as the newest version
would send packagers to a release its own authors withdrew.

Hex limits requests per IP and says so in ``X-RateLimit-*`` headers; over the limit it
answers 429 with ``X-RateLimit-Reset`` (epoch), which the HTTP client turns into
:class:`RateLimited` scoped to the host.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.http import display_url
from backends.upstreams._common import as_dict, not_found_means, parse_iso_datetime, web_url
from backends.upstreams._registries import (
    bad_registry_url,
    checked_name,
    json_object,
    registry_base,
    shown,
    version_string,
)

if TYPE_CHECKING:
    from backends.http import HttpClient

PUBLIC_API = "https://hex.pm/api"
# The packages hex.pm updated last, newest first (the API's `sort=updated_at`), with each one's
# latest version: its one page is the feed.
FEED_URL = f"{PUBLIC_API}/packages?sort=updated_at"
# hex.pm's rule for package names (Hexpm.Repository.Package): a letter, then letters, digits
# and underscores. Upper case is let through: the registry then answers "not found" itself.
PACKAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class Hex(Backend):
    """Every release of a Hex package, the retired ones flagged ``withdrawn``."""

    name = "Hex.pm"
    examples = ("https://hex.pm/packages/phoenix", "https://hex.pm/packages/jason")
    fields = {
        "name": FieldHelp(
            "Hex package name",
            "The name on hex.pm, as in https://hex.pm/packages/<name>.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Hex API (optional)",
            "Leave empty for hex.pm. For a self-hosted Hex server or a mirror of the Hex "
            "HTTP API, its API address: the part before /packages/<name>, e.g. "
            "https://hex.example.org/api.",
        ),
    }
    default_version_scheme = "Semantic"
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        base = registry_base(spec, PUBLIC_API)
        return _package_url(base, spec.name) if base else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        name = checked_name(
            spec,
            PACKAGE_NAME,
            "Hex package name",
            "a name is a letter followed by letters, digits and underscores",
        )
        base = registry_base(spec, PUBLIC_API)
        if base is None:
            raise bad_registry_url(spec, "Hex API", PUBLIC_API)
        url = _package_url(base, name)
        where = "hex.pm" if base == PUBLIC_API else display_url(base)
        with not_found_means(f'No package "{name}" on {where}: {display_url(url)}'):
            package = json_object(
                http.get_json(url, headers={"Accept": "application/json"}, conditional=True), url
            )
        releases = package.get("releases")
        if not isinstance(releases, list):
            # Hex's error documents are {"status": ..., "message": ...}.
            message = _upstream_text(package.get("message"))
            detail = f"Hex answered: {message}" if message else "no list of releases"
            raise BackendError(f"{display_url(url)}: unexpected answer ({detail})")
        http.budget.check_versions(len(releases))
        retired = as_dict(package.get("retirements"))
        found: list[Release] = []
        for entry in releases:
            entry = as_dict(entry)
            version = version_string(entry.get("version"))
            if version is None:
                continue
            published = parse_iso_datetime(entry.get("inserted_at"))
            found.append(Release(version, published_at=published, withdrawn=version in retired))
        if found and all(release.withdrawn for release in found):
            why = _why(releases, retired)
            raise BackendError(f"{name}: every release on {where} is retired{why}.")
        return found

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The packages hex.pm updated last, with the version each one's update published."""
        packages = http.get_json(FEED_URL, headers={"Accept": "application/json"})
        if not isinstance(packages, list):
            raise BackendError(f"{FEED_URL}: unexpected answer (not a list of packages)")
        entries = []
        for package in packages:
            package = as_dict(package)
            name = package.get("name")
            if not isinstance(name, str) or not PACKAGE_NAME.fullmatch(name):
                continue
            # Today's answers name `latest_version`; the API description's example only lists the
            # releases, newest first.
            releases = package.get("releases")
            first = as_dict(releases[0]) if isinstance(releases, list) and releases else {}
            version = version_string(package.get("latest_version") or first.get("version"))
            if version is None:
                continue
            homepage = web_url(package.get("html_url")) or f"https://hex.pm/packages/{name}"
            entries.append(FeedEntry(name, version, homepage))
        return entries


def _package_url(base: str, name: str) -> str:
    return f"{base}/packages/{quote(name.strip(), safe='')}"


def _why(releases: list[object], retirements: dict[str, object]) -> str:
    """Why the first release listed (hex.pm lists the newest first) was retired, as Hex words
    it (`` (renamed: Package has been renamed to foo_bar)``), or nothing if Hex says not."""
    for entry in releases:
        retirement = as_dict(retirements.get(str(as_dict(entry).get("version"))))
        reason = _upstream_text(retirement.get("reason"))
        message = _upstream_text(retirement.get("message"))
        if reason or message:
            return f" ({': '.join(part for part in (reason, message) if part)})"
    return ""


def _upstream_text(value: object) -> str:
    """Text the registry wrote (an error, a reason), as one short line; "" if not text."""
    return shown(value) if isinstance(value, str) else ""
