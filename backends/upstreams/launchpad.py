"""The ``Launchpad`` backend: the download page of a Launchpad project."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from backends import regexes
from backends.base import Backend, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import path_segment

if TYPE_CHECKING:
    from backends.http import HttpClient


class Launchpad(Backend):
    """Versions of the archives listed on ``https://launchpad.net/<name>/+download``."""

    name = "Launchpad"
    examples = ("https://launchpad.net/intltool", "https://launchpad.net/exaile")
    fields: ClassVar[dict[str, FieldHelp]] = {
        "name": FieldHelp(
            "Launchpad project name",
            "The project's name on Launchpad (as in launchpad.net/<name>); its archives must "
            "be named '<name>-<version>.tar.gz' or similar.",
            required=True,
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        return f"https://launchpad.net/{path_segment(spec.name)}/+download"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        pattern = regexes.project_regex(None, spec.name)
        return regexes.versions_by_regex(http, self.version_url(spec), pattern, spec)
