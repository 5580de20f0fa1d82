"""The ``Freshmeat`` backend: release links of a freshmeat.net (later freecode.com) page.

The service is defunct (freecode.com stopped updating in 2014); the backend is kept so that
projects stored with it still load and fail with a readable message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from backends import regexes
from backends.base import Backend, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import path_segment

if TYPE_CHECKING:
    from backends.http import HttpClient

# Anitya's pattern: the text of each link to one of the project's releases.
RELEASE_LINK_REGEX = r'<a href="/projects/[^/]*/releases/[0-9]*">([^<]*)</a>'


class Freshmeat(Backend):
    """Versions named by the release links of a project's page."""

    name = "Freshmeat"
    examples = ("http://freshmeat.net/projects/atmail", "http://freshmeat.net/projects/awstats")
    more_info = "freshmeat.net (freecode.com) no longer publishes releases."
    fields: ClassVar[dict[str, FieldHelp]] = {
        "name": FieldHelp(
            "Freshmeat project name",
            "The project's name on freshmeat.net (as in freshmeat.net/projects/<name>).",
            required=True,
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        return f"http://freshmeat.net/projects/{path_segment(spec.name)}"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        return regexes.versions_by_regex(http, self.version_url(spec), RELEASE_LINK_REGEX, spec)
