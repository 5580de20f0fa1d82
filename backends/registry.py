"""The explicit list of backends, by their stored names (Anitya's exact strings)."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from backends.base import Backend

# Stored name -> "module:Class". Modules are imported on first use so that a check of one
# project loads one upstream module, not thirty.
BACKENDS: dict[str, str] = {
    "BitBucket": "backends.upstreams.bitbucket:BitBucket",
    "Cgit": "backends.upstreams.cgit:Cgit",
    "Copr": "backends.upstreams.copr:Copr",
    "CPAN (perl)": "backends.upstreams.cpan:Cpan",
    "CRAN (R)": "backends.upstreams.cran:Cran",
    "crates.io": "backends.upstreams.crates_io:CratesIo",
    "custom": "backends.upstreams.custom:Custom",
    "Debian project": "backends.upstreams.debian:Debian",
    "Drupal6": "backends.upstreams.drupal:Drupal6",
    "Drupal7": "backends.upstreams.drupal:Drupal7",
    "folder": "backends.upstreams.folder:Folder",
    "Freshmeat": "backends.upstreams.freshmeat:Freshmeat",
    "GitHub": "backends.upstreams.github:GitHub",
    "GitLab": "backends.upstreams.gitlab:GitLab",
    "Gitea": "backends.upstreams.gitea:Gitea",
    "GNOME": "backends.upstreams.gnome:Gnome",
    "GNU project": "backends.upstreams.gnu:Gnu",
    "Gogs": "backends.upstreams.gogs:Gogs",
    "Hackage": "backends.upstreams.hackage:Hackage",
    "Launchpad": "backends.upstreams.launchpad:Launchpad",
    "Maven Central": "backends.upstreams.maven:MavenCentral",
    "npmjs": "backends.upstreams.npmjs:Npmjs",
    "Packagist": "backends.upstreams.packagist:Packagist",
    "pagure": "backends.upstreams.pagure:Pagure",
    "PEAR": "backends.upstreams.pear:Pear",
    "PECL": "backends.upstreams.pear:Pecl",
    "PyPI": "backends.upstreams.pypi:PyPI",
    "PyPI simple": "backends.upstreams.pypi_simple:PyPISimple",
    "Rubygems": "backends.upstreams.rubygems:Rubygems",
    "Sourceforge": "backends.upstreams.sourceforge:Sourceforge",
    "Sourceforge (git)": "backends.upstreams.sourceforge_git:SourceforgeGit",
    "SourceHut": "backends.upstreams.sourcehut:SourceHut",
    "Stackage": "backends.upstreams.stackage:Stackage",
}


class UnknownBackend(LookupError):
    """No backend is registered under that name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f'No backend was found for "{name}"')


def backend_names() -> list[str]:
    """Every stored backend name, sorted case-insensitively as the forms list them."""
    return sorted(BACKENDS, key=str.lower)


def canonical_name(name: str) -> str:
    """The stored spelling of ``name`` (looked up case-insensitively, as Anitya does)."""
    if name in BACKENDS:
        return name
    for known in BACKENDS:
        if known.lower() == name.lower():
            return known
    raise UnknownBackend(name)


@cache
def get_backend(name: str) -> Backend:
    """The backend registered under ``name`` (case-insensitive); raises :class:`UnknownBackend`."""
    module_path, class_name = BACKENDS[canonical_name(name)].split(":")
    backend_class = getattr(import_module(module_path), class_name)
    return backend_class()


def all_backends() -> list[Backend]:
    """Every backend, in the order of :func:`backend_names`."""
    return [get_backend(name) for name in backend_names()]
