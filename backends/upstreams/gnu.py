"""The ``GNU project`` backend: a package's folder on the GNU mirrors."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from backends import regexes
from backends.base import Backend, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import path_segment
from backends.upstreams.folder import directory_versions

if TYPE_CHECKING:
    from backends.http import HttpClient

# Anitya's fallback: subdirectories named like a version (gnash keeps one per release).
GNU_DIRECTORY_PATTERN = r"([0-9][0-9.]*)/"


class Gnu(Backend):
    """Archives in ``https://ftpmirror.gnu.org/gnu/<name>/``, else its version subfolders.

    ftpmirror.gnu.org redirects to a nearby mirror, which spares ftp.gnu.org itself.
    """

    name = "GNU project"
    examples = ("https://www.gnu.org/software/gnash/", "https://www.gnu.org/software/grub/")
    fields: ClassVar[dict[str, FieldHelp]] = {
        "name": FieldHelp(
            "GNU package name",
            "The package's name on the GNU mirrors (as in ftp.gnu.org/gnu/<name>/).",
            required=True,
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        return f"https://ftpmirror.gnu.org/gnu/{path_segment(spec.name)}/"

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        url = self.version_url(spec)
        response = http.get(url, conditional=True)
        pattern = regexes.project_regex(None, spec.name)
        versions = regexes.find_versions(pattern, response.text)
        if not versions:
            # The same page, read as a list of folders: no second request needed.
            pattern = GNU_DIRECTORY_PATTERN
            versions = directory_versions(response, pattern)
        return regexes.releases_from(versions, spec, url, pattern)
