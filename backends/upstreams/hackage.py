"""Hackage: a package's page on hackage.haskell.org, read with the default regex."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from backends.base import Backend, FieldHelp, ProjectSpec, Release
from backends.regexes import project_regex, versions_by_regex

if TYPE_CHECKING:
    from backends.http import HttpClient


class Hackage(Backend):
    """The source archive a package's Hackage page offers (its latest version)."""

    name = "Hackage"
    examples = (
        "https://hackage.haskell.org/package/Biobase",
        "https://hackage.haskell.org/package/non-empty",
    )
    fields = {
        "name": FieldHelp(
            "Hackage package name",
            "The name on Hackage, as in https://hackage.haskell.org/package/<name>.",
            required=True,
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        return f"https://hackage.haskell.org/package/{quote(spec.name.strip(), safe='')}"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        return versions_by_regex(
            http, self.version_url(spec), project_regex(None, spec.name.strip()), spec
        )
