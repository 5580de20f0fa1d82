"""What a Package URL is looked up by, and how project names fold into those keys.

A project is found by a PURL through a :class:`LookupKey`: a normalised name within the
projects of one ecosystem (``pypi``: names are unique there), or a repository within the
projects of one forge backend (``GitHub``). The same key is computed from a project's fields
(:mod:`.identity`) and from a PURL (:mod:`.parse`), so a project's own PURL finds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: A PURL longer than this is refused: none of the registries' names comes near it.
MAX_PURL_LENGTH = 2_000


class InvalidPurl(ValueError):
    """A string that is not a Package URL, or one missing what its type requires; the message
    says why, in a sentence that can be shown to whoever sent it."""


@dataclass(frozen=True, order=True)
class LookupKey:
    """``key`` among the projects whose ``column`` (``ecosystem_name`` or ``backend``) is
    ``scope``: ``("ecosystem_name", "pypi", "requests")``, ``("backend", "GitHub",
    "psf/requests")``."""

    column: Literal["ecosystem_name", "backend"]
    scope: str
    key: str


@dataclass(frozen=True)
class NameFold:
    """How the names of an ecosystem's projects fold into lookup keys: stripped, lower-cased,
    each of ``separators`` replaced by ``into`` and, with ``collapse``, runs of ``into``
    made one. The database folds its names the same way to find candidates; a stored name may
    also fold to the key followed by one of ``suffixes`` (a Go module path typed with a
    trailing slash)."""

    separators: str = ""
    into: str = "-"
    collapse: bool = False
    suffixes: tuple[str, ...] = ("",)

    def apply(self, name: str) -> str:
        folded = name.strip().lower()
        for separator in self.separators:
            folded = folded.replace(separator, self.into)
        if self.collapse:
            folded = re.sub(f"{re.escape(self.into)}+", self.into, folded)
        return folded

    def spellings(self, key: str) -> list[str]:
        """The folded names that may stand for ``key`` in the database."""
        return [key + suffix for suffix in self.suffixes]


#: The ecosystems whose lookup key is the project's name, folded: their candidates are found
#: by comparing folded names in the database.
NAME_FOLDS: dict[str, NameFold] = {
    # PEP 503: "Django_REST.framework" is "django-rest-framework".
    "pypi": NameFold(separators="_.", into="-", collapse=True),
    "npm": NameFold(),
    # crates.io treats "-" and "_" as the same character, in any case.
    "crates.io": NameFold(separators="_", into="-"),
    "rubygems": NameFold(),
    "hex": NameFold(),
    "nuget": NameFold(),
    "pub": NameFold(),
    "conda": NameFold(),
    "homebrew": NameFold(),
    "homebrew-cask": NameFold(),
    # Extension IDs are namespace.extension, or namespace/extension as the project page says.
    "open-vsx": NameFold(separators="/", into="."),
    "go": NameFold(suffixes=("", "/")),
}

#: The scopes whose keys are read from several fields or spellings (a Maven artifact from its
#: coordinates or its directory URL, an image as "nginx" or "library/nginx", a repository
#: from a URL): their projects are all read and their keys computed.
SCANNED_SCOPES: tuple[tuple[Literal["ecosystem_name", "backend"], str], ...] = (
    ("ecosystem_name", "docker"),
    ("ecosystem_name", "maven"),
    ("backend", "GitHub"),
    ("backend", "BitBucket"),
)


def pep503_name(name: str) -> str:
    """PyPI's normalised name (PEP 503), which the pypi PURL type also requires."""
    return NAME_FOLDS["pypi"].apply(name)


def ecosystem_key(ecosystem: str, key: str) -> LookupKey:
    return LookupKey("ecosystem_name", ecosystem, key)


def backend_key(backend: str, key: str) -> LookupKey:
    return LookupKey("backend", backend, key)
