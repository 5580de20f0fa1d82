"""pub.dev: the versions of a Dart or Flutter package, and pub.dev's feed of new versions.

``GET <hosted-url>/api/packages/<name>`` lists every version with its ``published`` time and
``retracted`` flag, for pub.dev and for any repository that implements the "Hosted Pub
Repository Specification Version 2"
(https://github.com/dart-lang/pub/blob/master/doc/repository-spec-v2.md). Retracted versions
are reported ``withdrawn``, as crates.io's yanked ones are (never stored as new; a stored one
is marked withdrawn): the pub client no longer picks them for a new
resolution (https://dart.dev/tools/pub/publishing#retract). The feed is pub.dev's Atom feed of
the last versions published (``/feed.atom``, entries titled ``v<version> of <package>``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import Backend, BackendError, FeedEntry, FieldHelp, ProjectSpec, Release
from backends.http import display_url
from backends.upstreams._common import as_dict, local_name, not_found_means, parse_iso_datetime
from backends.upstreams._registries import (
    bad_registry_url,
    checked_name,
    json_object,
    registry_base,
    shown,
    version_string,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from backends.http import HttpClient

PUBLIC_REPOSITORY = "https://pub.dev"
FEED_URL = f"{PUBLIC_REPOSITORY}/feed.atom"
# What the specification asks clients to send: the answer's shape is version 2's.
ACCEPT = {"Accept": "application/vnd.pub.v2+json"}
# A package name is a Dart identifier (pub's own check; pub.dev also wants lower case).
PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class PubDev(Backend):
    """Every version of a pub package, the retracted ones flagged ``withdrawn``."""

    name = "pub.dev"
    examples = ("https://pub.dev/packages/http", "https://pub.dev/packages/provider")
    fields = {
        "name": FieldHelp(
            "Package name",
            "The name on pub.dev, as in https://pub.dev/packages/<name>.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Package repository (optional)",
            "Leave empty for pub.dev. For a private or self-hosted pub repository or a "
            "mirror, its hosted URL, as in a pubspec's hosted: url: (e.g. "
            "https://pub.example.org or https://host/prefix/pub).",
        ),
    }
    default_version_scheme = "Semantic"
    has_feed = True

    def version_url(self, spec: ProjectSpec) -> str:
        base = registry_base(spec, PUBLIC_REPOSITORY)
        return f"{base}/api/packages/{quote(spec.name.strip(), safe='')}" if base else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        name = checked_name(
            spec,
            PACKAGE_NAME,
            "pub package name",
            "a name is letters, digits and underscores, not starting with a digit",
        )
        base = registry_base(spec, PUBLIC_REPOSITORY)
        if base is None:
            raise bad_registry_url(spec, "pub package repository", PUBLIC_REPOSITORY)
        url = self.version_url(spec)
        where = "pub.dev" if base == PUBLIC_REPOSITORY else display_url(base)
        with not_found_means(f'No package "{name}" on {where}: {display_url(url)}'):
            package = json_object(http.get_json(url, headers=ACCEPT, conditional=True), url)
        versions = package.get("versions")
        if not isinstance(versions, list):
            # The specification's error document: {"error": {"code": ..., "message": ...}}.
            message = _upstream_text(as_dict(package.get("error")).get("message"))
            detail = f"the repository answered: {message}" if message else "no list of versions"
            raise BackendError(f"{display_url(url)}: unexpected answer ({detail})")
        http.budget.check_versions(len(versions))
        releases: list[Release] = []
        for entry in versions:
            entry = as_dict(entry)
            version = version_string(entry.get("version"))
            if version is None:
                continue
            published = parse_iso_datetime(entry.get("published"))
            retracted = entry.get("retracted") is True
            releases.append(Release(version, published_at=published, withdrawn=retracted))
        if releases and all(release.withdrawn for release in releases):
            raise BackendError(f"{name}: every version on {where} is retracted.")
        return releases

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """The versions pub.dev published last (its Atom feed)."""
        entries = []
        for entry in http.get_xml(FEED_URL).iter():
            if local_name(entry) != "entry":
                continue
            found = _feed_entry(entry)
            if found is not None and found not in entries:
                entries.append(found)
        return entries


def _feed_entry(entry: Element) -> FeedEntry | None:
    """``v1.2.3 of http`` -> FeedEntry("http", "1.2.3", "https://pub.dev/packages/http")."""
    title = next((c.text for c in entry if local_name(c) == "title" and c.text), "")
    version, separator, name = title.strip().removeprefix("v").partition(" of ")
    version = version.strip()
    name = name.strip()
    if not separator or not PACKAGE_NAME.fullmatch(name) or version_string(version) is None:
        return None
    return FeedEntry(name, version, f"{PUBLIC_REPOSITORY}/packages/{name}")


def _upstream_text(value: object) -> str:
    """Text the registry wrote (an error, a reason), as one short line; "" if not text."""
    return shown(value) if isinstance(value, str) else ""
