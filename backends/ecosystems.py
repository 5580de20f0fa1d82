"""The package indexes Anitya calls ecosystems, and how a project's ``ecosystem_name`` is set.

A project whose backend is an index's default backend belongs to that index's ecosystem
(`PyPI` -> `pypi`); any other project's ecosystem is its homepage URL. The unique constraint on
(name, ecosystem_name) therefore means "one project name per package index" and, elsewhere,
"one project per (name, homepage)".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ecosystem:
    """One package index; ``aliases`` are other names it is known by (e.g. `Cargo`)."""

    name: str
    default_backend: str
    default_version_scheme: str = "RPM"
    aliases: tuple[str, ...] = ()


ECOSYSTEMS: dict[str, Ecosystem] = {
    ecosystem.name: ecosystem
    for ecosystem in (
        Ecosystem("aur", "AUR"),
        Ecosystem("conda", "conda"),
        Ecosystem("crates.io", "crates.io", aliases=("Cargo",)),
        Ecosystem("docker", "Docker Hub", default_version_scheme="Semantic"),
        Ecosystem("go", "Go modules", default_version_scheme="Semantic", aliases=("Golang",)),
        Ecosystem("hex", "Hex.pm", default_version_scheme="Semantic"),
        Ecosystem("homebrew", "Homebrew"),
        Ecosystem("homebrew-cask", "Homebrew Cask"),
        Ecosystem("maven", "Maven Central"),
        Ecosystem("npm", "npmjs"),
        Ecosystem("nuget", "NuGet", default_version_scheme="Semantic"),
        Ecosystem("open-vsx", "Open VSX", default_version_scheme="Semantic"),
        Ecosystem("pub", "pub.dev", default_version_scheme="Semantic"),
        Ecosystem("pypi", "PyPI"),
        Ecosystem("rubygems", "Rubygems"),
        Ecosystem("terraform", "Terraform Registry", default_version_scheme="Semantic"),
    )
}

_BY_BACKEND: dict[str, Ecosystem] = {e.default_backend: e for e in ECOSYSTEMS.values()}
_BY_LOWER_NAME: dict[str, Ecosystem] = {
    name.lower(): ecosystem
    for ecosystem in ECOSYSTEMS.values()
    for name in (ecosystem.name, *ecosystem.aliases)
}


def ecosystem_for_backend(backend: str | None) -> Ecosystem | None:
    """The ecosystem whose default backend is exactly ``backend`` (case-sensitive, as Anitya)."""
    if backend is None:
        return None
    return _BY_BACKEND.get(backend)


def derive_ecosystem_name(backend: str | None, homepage: str) -> str:
    """The ``ecosystem_name`` a project gets: its index's name, else its homepage."""
    ecosystem = ecosystem_for_backend(backend)
    return ecosystem.name if ecosystem is not None else homepage


def get_ecosystem(name: str | None) -> Ecosystem | None:
    """The ecosystem called ``name`` or one of its aliases, case-insensitively; else None.

    Homepage URLs (the ecosystem of non-index projects) are simply not found.
    """
    if not name:
        return None
    return _BY_LOWER_NAME.get(name.lower())
