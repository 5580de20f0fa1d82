"""Homebrew: the current version of a formula or a cask from Homebrew's JSON API.

``GET https://formulae.brew.sh/api/formula/<name>.json`` and ``.../api/cask/<token>.json``
(https://formulae.brew.sh/docs/api/) answer ``brew info --json`` of one homebrew/core formula
or homebrew/cask cask. Homebrew knows only the current version, so a check finds one; the
pipeline keeps the history.

Formulae and casks are two backends because they are two namespaces: the ``docker`` formula
(the CLI) and the ``docker`` cask (Docker Desktop) are different projects.

Only the upstream version is reported. A formula's ``revision`` (``1.21.1_1``) counts
rebuilds of the same upstream version, and a cask's version may carry build identifiers
after a comma (``3.6.0,67351``: Homebrew's ``version.csv.first`` is the version).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote

from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.http import display_url
from backends.upstreams._common import as_dict, not_found_means
from backends.upstreams._registries import (
    bad_registry_url,
    checked_name,
    json_object,
    registry_base,
    version_string,
)

if TYPE_CHECKING:
    from backends.http import HttpClient

# What brew's HOMEBREW_API_DOMAIN defaults to: mirrors are given the same way.
PUBLIC_API = "https://formulae.brew.sh/api"
# Formula names and cask tokens: lowercase letters, digits and @ + . _ - (openssl@3, gtk+3,
# visual-studio-code@insiders). A tap's formula (user/tap/name) is not in the API.
NAME = re.compile(r"[A-Za-z0-9@+_][A-Za-z0-9@+._-]*")
MAX_NAME_LENGTH = 200
_API_FIELD_HELP = (
    "Leave empty for Homebrew's API (https://formulae.brew.sh/api). For a mirror, give its "
    "API address as in HOMEBREW_API_DOMAIN, e.g. https://brew-api.example.org/api."
)


class _HomebrewApi(Backend):
    """What formulae and casks share: one JSON document per package, one version in it."""

    #: "formula" or "cask": the API's folder for this kind of package, and its word for one.
    kind: ClassVar[str]

    def version_url(self, spec: ProjectSpec) -> str:
        base = registry_base(spec, PUBLIC_API)
        if base is None:
            return ""
        # "@" and "+" stay: brew requests formula/openssl@3.json as spelled.
        return f"{base}/{self.kind}/{_path_segment(spec.name)}.json"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        name = checked_name(
            spec,
            NAME,
            f"Homebrew {self.kind} name",
            f'a {self.kind} name is made of letters, digits and "@+._-" (a tap\'s '
            "user/tap/name is not in Homebrew's API)",
            max_length=MAX_NAME_LENGTH,
        )
        url = self.version_url(spec)
        if not url:
            raise bad_registry_url(spec, "Homebrew API", PUBLIC_API)
        with not_found_means(f'No {self.kind} "{name}" in Homebrew: {display_url(url)}'):
            data = json_object(http.get_json(url, conditional=True), url)
        version = self._version(data, name, url)
        return [Release(version)]

    def _version(self, data: dict[str, object], name: str, url: str) -> str:
        raise NotImplementedError


def _path_segment(name: str) -> str:
    return quote(name.strip(), safe="@+")


class Homebrew(_HomebrewApi):
    """The stable version of a homebrew/core formula."""

    name = "Homebrew"
    kind = "formula"
    examples = ("https://formulae.brew.sh/formula/wget", "https://formulae.brew.sh/formula/jq")
    fields = {
        "name": FieldHelp(
            "Formula name",
            "The homebrew/core formula, as in https://formulae.brew.sh/formula/<name>. The "
            "check reports its stable version, without Homebrew's revision (_1).",
            required=True,
        ),
        "version_url": FieldHelp("Homebrew API address (optional)", _API_FIELD_HELP),
    }

    def _version(self, data: dict[str, object], name: str, url: str) -> str:
        stable = version_string(as_dict(data.get("versions")).get("stable"))
        if stable is None:
            raise BackendError(
                f'{display_url(url)}: the formula "{name}" has no stable version (a HEAD-only '
                "formula cannot be watched here)."
            )
        return stable


class HomebrewCask(_HomebrewApi):
    """The version of a homebrew/cask cask, without its build identifiers."""

    name = "Homebrew Cask"
    kind = "cask"
    examples = (
        "https://formulae.brew.sh/cask/firefox",
        "https://formulae.brew.sh/cask/visual-studio-code",
    )
    fields = {
        "name": FieldHelp(
            "Cask token",
            "The homebrew/cask token, as in https://formulae.brew.sh/cask/<token>. The check "
            "reports the version before any comma (3.6.0 of 3.6.0,67351).",
            required=True,
        ),
        "version_url": FieldHelp("Homebrew API address (optional)", _API_FIELD_HELP),
    }

    def _version(self, data: dict[str, object], name: str, url: str) -> str:
        version = version_string(data.get("version"))
        if version is None:
            raise BackendError(f'{display_url(url)}: the cask "{name}" has no version.')
        version = version.split(",", 1)[0].strip()
        if not version or version == "latest":
            raise BackendError(
                f'{display_url(url)}: the cask "{name}" declares no version ("latest": it '
                "always installs whatever its vendor serves), so there is nothing to watch."
            )
        return version
