"""The explicit list of backends, by their stored names (Anitya's exact strings), and the
version scheme a project uses, which may depend on its backend."""

from __future__ import annotations

from functools import cache
from importlib import import_module

from backends import versions
from backends.base import Backend
from backends.ecosystems import get_ecosystem

# Stored name -> "module:Class". Modules are imported on first use so that a check of one
# project loads one upstream module, not thirty.
BACKENDS: dict[str, str] = {
    "AUR": "backends.upstreams.aur:Aur",
    "BitBucket": "backends.upstreams.bitbucket:BitBucket",
    "Cgit": "backends.upstreams.cgit:Cgit",
    "conda": "backends.upstreams.conda:Conda",
    "Container registry (OCI)": "backends.upstreams.oci:ContainerRegistry",
    "Copr": "backends.upstreams.copr:Copr",
    "CPAN (perl)": "backends.upstreams.cpan:Cpan",
    "CRAN (R)": "backends.upstreams.cran:Cran",
    "crates.io": "backends.upstreams.crates_io:CratesIo",
    "custom": "backends.upstreams.custom:Custom",
    "Debian project": "backends.upstreams.debian:Debian",
    "Docker Hub": "backends.upstreams.oci:DockerHub",
    "Drupal6": "backends.upstreams.drupal:Drupal6",
    "Drupal7": "backends.upstreams.drupal:Drupal7",
    "folder": "backends.upstreams.folder:Folder",
    "Freshmeat": "backends.upstreams.freshmeat:Freshmeat",
    "Git (any host)": "backends.upstreams.git_http:GitHttp",
    "GitHub": "backends.upstreams.github:GitHub",
    "GitLab": "backends.upstreams.gitlab:GitLab",
    "Gitea": "backends.upstreams.gitea:Gitea",
    "GNOME": "backends.upstreams.gnome:Gnome",
    "GNU project": "backends.upstreams.gnu:Gnu",
    "Go modules": "backends.upstreams.go_proxy:GoModules",
    "Gogs": "backends.upstreams.gogs:Gogs",
    "Hackage": "backends.upstreams.hackage:Hackage",
    "Helm": "backends.upstreams.helm:Helm",
    "Hex.pm": "backends.upstreams.hex:Hex",
    "Homebrew": "backends.upstreams.homebrew:Homebrew",
    "Homebrew Cask": "backends.upstreams.homebrew:HomebrewCask",
    "Launchpad": "backends.upstreams.launchpad:Launchpad",
    "Maven Central": "backends.upstreams.maven:MavenCentral",
    "npmjs": "backends.upstreams.npmjs:Npmjs",
    "NuGet": "backends.upstreams.nuget:NuGet",
    "Open VSX": "backends.upstreams.open_vsx:OpenVsx",
    "Packagist": "backends.upstreams.packagist:Packagist",
    "pagure": "backends.upstreams.pagure:Pagure",
    "PEAR": "backends.upstreams.pear:Pear",
    "PECL": "backends.upstreams.pear:Pecl",
    "pub.dev": "backends.upstreams.pub_dev:PubDev",
    "PyPI": "backends.upstreams.pypi:PyPI",
    "PyPI simple": "backends.upstreams.pypi_simple:PyPISimple",
    "Rubygems": "backends.upstreams.rubygems:Rubygems",
    "Sourceforge": "backends.upstreams.sourceforge:Sourceforge",
    "Sourceforge (git)": "backends.upstreams.sourceforge_git:SourceforgeGit",
    "SourceHut": "backends.upstreams.sourcehut:SourceHut",
    "Stackage": "backends.upstreams.stackage:Stackage",
    "Terraform Registry": "backends.upstreams.terraform:TerraformRegistry",
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
    backend_class: type[Backend] = getattr(import_module(module_path), class_name)
    return backend_class()


def all_backends() -> list[Backend]:
    """Every backend, in the order of :func:`backend_names`."""
    return [get_backend(name) for name in backend_names()]


def _backend_default_scheme(backend: str | None) -> str | None:
    # Anitya lets a backend declare a default scheme; none of ours does today, so this only
    # matters if one sets `default_version_scheme`. An unknown backend simply has no default.
    if not backend:
        return None
    try:
        return get_backend(backend).default_version_scheme
    except (UnknownBackend, ImportError):
        return None


def resolve_scheme_name(
    version_scheme: str | None, ecosystem_name: str | None, backend: str | None
) -> str:
    """The scheme a project uses: its own, else its ecosystem's, else its backend's, else RPM.

    An unknown explicit ``version_scheme`` raises
    :class:`~backends.versions.UnknownVersionScheme` (Anitya crashed with a 500 there); an
    empty one counts as unset.
    """
    if version_scheme:
        return versions.canonical_scheme_name(version_scheme)
    ecosystem = get_ecosystem(ecosystem_name)
    if ecosystem is not None:
        return versions.canonical_scheme_name(ecosystem.default_version_scheme)
    backend_scheme = _backend_default_scheme(backend)
    if backend_scheme:
        return versions.canonical_scheme_name(backend_scheme)
    return versions.DEFAULT_SCHEME
