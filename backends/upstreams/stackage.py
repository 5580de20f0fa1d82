"""Stackage: the Hackage version a package's stackage.org page links to."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import Backend, FieldHelp, ProjectSpec, Release
from backends.regexes import versions_by_regex

if TYPE_CHECKING:
    from backends.http import HttpClient


def stackage_regex(name: str) -> str:
    """Anitya's pattern: the version in the "Latest on Hackage" link of the package page."""
    return (
        rf'<a href="https://hackage\.haskell\.org/package/{re.escape(name)}">\s*'
        r'<span class="version">([\d.]+)</span>'
    )


class Stackage(Backend):
    """The latest Hackage version of a package, as its stackage.org page shows it."""

    name = "Stackage"
    examples = (
        "https://www.stackage.org/package/conduit",
        "https://www.stackage.org/package/cpphs",
    )
    fields = {
        "name": FieldHelp(
            "Stackage package name",
            "The name on stackage.org, as in https://www.stackage.org/package/<name>.",
            required=True,
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        return f"https://www.stackage.org/package/{quote(spec.name.strip(), safe='')}"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        name = spec.name.strip()
        return versions_by_regex(http, self.version_url(spec), stackage_regex(name), spec)
