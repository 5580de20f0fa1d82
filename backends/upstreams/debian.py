"""The ``Debian project`` backend: source archives in Debian's package pool."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from backends import regexes
from backends.base import Backend, FieldHelp, ProjectSpec, Release
from backends.upstreams._common import path_segment

if TYPE_CHECKING:
    from backends.http import HttpClient

# Anitya's Debian regex: the default one, but Debian renames upstream tarballs to
# ``<name>_<version>.orig.tar.gz``, and pool versions carry no -rcN suffix part.
DEBIAN_REGEX = (
    r"(?i)%(name)s(?:[-_]?(?:minsrc|src|source))?[-_]([^-/_\s]+?)"
    r"(?:[-_](?:minsrc|src|source|asc|release))?\.(?:orig\.)?(?:tar|t[bglx]z|tbz2|zip)"
)


class Debian(Backend):
    """Versions of the upstream tarballs Debian ships for a source package."""

    name = "Debian project"
    examples = (
        "http://ftp.debian.org/debian/pool/main/g/guake/",
        "http://ftp.debian.org/debian/pool/main/libg/libgnupg-interface-perl/",
    )
    fields: ClassVar[dict[str, FieldHelp]] = {
        "name": FieldHelp(
            "Debian source package name",
            "The Debian source package name, e.g. guake or libgnupg-interface-perl.",
            required=True,
        ),
    }

    def version_url(self, spec: ProjectSpec) -> str:
        name = spec.name.strip()
        # The pool is split by first letter, and by the first four for the many lib* packages.
        initial = name[:4] if name.startswith("lib") else name[:1]
        return (
            f"http://ftp.debian.org/debian/pool/main/{path_segment(initial)}/{path_segment(name)}/"
        )

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        pattern = regexes.project_regex(DEBIAN_REGEX, spec.name)
        return regexes.versions_by_regex(http, self.version_url(spec), pattern, spec)
