"""A project's Package URL and lookup key, from its plain fields.

Each function reads the package name the way the project's backend reads it
(``backends/upstreams/``), so the PURL names the package the checks ask for, and spells it as
its PURL type requires (purl-spec's type definitions: https://github.com/package-url/purl-spec,
``types/``). A project whose name its registry could not hold, or whose backend has no
registered PURL type (AUR, Terraform Registry, every backend outside an ecosystem but GitHub
and Bitbucket), has no PURL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from packageurl import PackageURL

from backends import ecosystems
from backends.base import ProjectSpec
from backends.credentials import split_userinfo
from backends.purls.keys import LookupKey, backend_key, ecosystem_key, pep503_name
from backends.upstreams import (
    bitbucket,
    conda,
    github,
    go_proxy,
    homebrew,
    maven,
    nuget,
    open_vsx,
    pub_dev,
)
from backends.upstreams import hex as hex_pm
from backends.upstreams._registries import registry_base
from backends.upstreams.oci.references import DOCKER_HUB, parse_reference

# The registries' own rules for names, where the backend has none of its own: PEP 508's,
# npm's (validate-npm-package-name; old packages may have capitals), crates.io's and
# RubyGems' (a gem also needs a letter).
_PYPI_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE)
_NPM_NAME = re.compile(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*", re.IGNORECASE)
_NPM_MAX_LENGTH = 214
_CRATE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
_GEM_NAME = re.compile(r"[A-Za-z0-9._-]*[A-Za-z][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class ProjectFields:
    """The project columns a PURL is made of."""

    backend: str | None
    name: str
    ecosystem_name: str | None = None
    version_url: str | None = None
    homepage: str | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ProjectFields:
        """The fields of a row (``values()``, or the representations' rows)."""
        return cls(
            backend=row["backend"],
            name=row["name"] or "",
            ecosystem_name=row["ecosystem_name"],
            version_url=row["version_url"],
            homepage=row["homepage"],
        )

    def spec(self) -> ProjectSpec:
        """The fields as a backend reads them."""
        return ProjectSpec(
            name=self.name,
            homepage=self.homepage or "",
            backend=self.backend or "",
            version_url=self.version_url,
            ecosystem_name=self.ecosystem_name,
        )


@dataclass(frozen=True)
class Identity:
    """A project's PURL and the key its PURL is looked up by."""

    purl: PackageURL
    key: LookupKey


def identify(fields: ProjectFields) -> Identity | None:
    """The project's PURL and lookup key; None when it has no PURL."""
    # A saved project's ecosystem follows its backend; an unsaved one has none yet.
    ecosystem = ecosystems.get_ecosystem(fields.ecosystem_name) or (
        ecosystems.ecosystem_for_backend(fields.backend)
    )
    if ecosystem is not None and ecosystem.default_backend == fields.backend:
        build = _BY_ECOSYSTEM.get(ecosystem.name)
        return build(fields) if build is not None else None
    build = _BY_BACKEND.get(fields.backend or "")
    return build(fields) if build is not None else None


def project_purl(fields: ProjectFields) -> str | None:
    """The project's PURL, without version (it names the package, not a release)."""
    found = identify(fields)
    return found.purl.to_string() if found is not None else None


# -- the ecosystems -----------------------------------------------------------------------------


def _pypi(fields: ProjectFields) -> Identity | None:
    name = fields.name.strip()
    if not _PYPI_NAME.fullmatch(name):
        return None
    normalised = pep503_name(name)
    return Identity(PackageURL("pypi", name=normalised), ecosystem_key("pypi", normalised))


def _npm(fields: ProjectFields) -> Identity | None:
    name = fields.name.strip().lower()
    if len(name) > _NPM_MAX_LENGTH or not _NPM_NAME.fullmatch(name):
        return None
    scope, slash, bare = name.rpartition("/")
    # The scope is the namespace, its "@" kept: the PURL spells it %40scope.
    purl = PackageURL("npm", namespace=scope if slash else None, name=bare)
    return Identity(purl, ecosystem_key("npm", name))


def _cargo(fields: ProjectFields) -> Identity | None:
    name = fields.name.strip()
    if not _CRATE_NAME.fullmatch(name):
        return None
    key = name.lower().replace("_", "-")
    return Identity(PackageURL("cargo", name=name), ecosystem_key("crates.io", key))


def _gem(fields: ProjectFields) -> Identity | None:
    name = fields.name.strip()
    if not _GEM_NAME.fullmatch(name):
        return None
    return Identity(PackageURL("gem", name=name), ecosystem_key("rubygems", name.lower()))


def _maven(fields: ProjectFields) -> Identity | None:
    """groupId and artifactId, from where the backend reads them: a Maven Central directory
    given as homepage, else ``groupId:artifactId`` in the version URL, else in the name."""
    url = maven.artifact_url(fields.spec())
    if url is None:
        return None
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    if len(segments) < 3 or segments[0] != "maven2":
        return None
    *group_path, artifact = segments[1:]
    # Maven's rule for ids, which the backend applies to coordinates (not to a directory URL).
    if not all(maven._ID.fullmatch(part) for part in segments[1:]):
        return None
    group = ".".join(group_path)
    purl = PackageURL("maven", namespace=group, name=artifact)
    return Identity(purl, ecosystem_key("maven", f"{group}:{artifact}".lower()))


def _docker(fields: ProjectFields) -> Identity | None:
    """The image on Docker Hub the name names (a mirror in the version URL serves the same
    image); official images are ``library/<name>``."""
    image = parse_reference(fields.name.strip().lower())
    if image is None or image.registry != DOCKER_HUB:
        return None
    namespace, _, name = image.repository.rpartition("/")
    purl = PackageURL("docker", namespace=namespace, name=name)
    return Identity(purl, ecosystem_key("docker", image.repository))


def _golang(fields: ProjectFields) -> Identity | None:
    """The module path split at its last slash; the golang type lower-cases both parts. A
    proxy in the version URL serves the same module."""
    path = go_proxy.module_path(fields.name)
    if path is None or "/" not in path:  # the type requires a namespace
        return None
    path = path.lower()
    namespace, _, name = path.rpartition("/")
    return Identity(PackageURL("golang", namespace=namespace, name=name), ecosystem_key("go", path))


def _hex(fields: ProjectFields) -> Identity | None:
    public = hex_pm.PUBLIC_API
    return _registry_package(fields, "hex", "hex", hex_pm.PACKAGE_NAME, public, lower=True)


def _nuget(fields: ProjectFields) -> Identity | None:
    name = fields.name.strip()
    if len(name) > nuget.MAX_ID_LENGTH:
        return None
    # A package source is given by its service index; nuget.org's is the public one.
    return _registry_package(fields, "nuget", "nuget", nuget.PACKAGE_ID, nuget.PUBLIC_SOURCE)


def _pub(fields: ProjectFields) -> Identity | None:
    public = pub_dev.PUBLIC_REPOSITORY
    return _registry_package(fields, "pub", "pub", pub_dev.PACKAGE_NAME, public, lower=True)


def _conda(fields: ProjectFields) -> Identity | None:
    """The name, with the channel read: the conda type's default repository is Anaconda's own
    (repo.anaconda.com), so the channel is always named, conda-forge included."""
    name = fields.name.strip()
    if len(name) > conda.MAX_NAME_LENGTH or not conda.PACKAGE_NAME.fullmatch(name):
        return None
    channel_url = conda.channel_url(fields.spec())
    if channel_url is None:
        return None
    prefix = f"{conda.API}/package/"
    channel = channel_url.removeprefix(prefix)
    if channel_url.startswith(prefix) and conda.CHANNEL_NAME.fullmatch(channel):
        qualifiers = {"channel": channel}
    else:  # another server with anaconda.org's API
        qualifiers = {"repository_url": _without_credentials(channel_url)}
    purl = PackageURL("conda", name=name.lower(), qualifiers=qualifiers)
    return Identity(purl, ecosystem_key("conda", name.lower()))


def _brew(fields: ProjectFields, *, cask: bool) -> Identity | None:
    """homebrew/core formulae are the brew type's default tap; casks are in homebrew/cask. A
    mirror of Homebrew's API serves the same packages."""
    name = fields.name.strip()
    if len(name) > homebrew.MAX_NAME_LENGTH or not homebrew.NAME.fullmatch(name):
        return None
    name = name.lower()
    purl = PackageURL("brew", namespace="homebrew/cask" if cask else None, name=name)
    return Identity(purl, ecosystem_key("homebrew-cask" if cask else "homebrew", name))


def _open_vsx(fields: ProjectFields) -> Identity | None:
    """``namespace.extension`` on an Open VSX registry: the vscode-extension type, whose
    default repository is Microsoft's Marketplace, with the registry as ``repository_url``."""
    found = open_vsx.extension_id(fields.name)
    base = registry_base(fields.spec(), open_vsx.PUBLIC)
    if found is None or base is None:
        return None
    namespace, extension = (part.lower() for part in found)
    qualifiers = {"repository_url": _without_credentials(base)}
    purl = PackageURL("vscode-extension", namespace, extension, qualifiers=qualifiers)
    return Identity(purl, ecosystem_key("open-vsx", f"{namespace}.{extension}"))


# -- the forges -------------------------------------------------------------------------------


def _forge(
    fields: ProjectFields,
    purl_type: str,
    backend: str,
    parse: Callable[[ProjectSpec], tuple[str, str] | None],
) -> Identity | None:
    found = parse(fields.spec())
    if found is None:
        return None
    owner, repository = (part.lower() for part in found)
    purl = PackageURL(purl_type, namespace=owner, name=repository)
    return Identity(purl, backend_key(backend, f"{owner}/{repository}"))


def _github(fields: ProjectFields) -> Identity | None:
    return _forge(fields, "github", "GitHub", github.parse_repository)


def _bitbucket(fields: ProjectFields) -> Identity | None:
    return _forge(fields, "bitbucket", "BitBucket", bitbucket.parse_repository)


# -- helpers ----------------------------------------------------------------------------------


def _registry_package(
    fields: ProjectFields,
    purl_type: str,
    ecosystem: str,
    pattern: re.Pattern[str],
    public: str,
    *,
    lower: bool = False,
) -> Identity | None:
    """A package of a registry that may be another than the public one (the version URL): a
    private or self-hosted registry is named in ``repository_url``."""
    name = fields.name.strip()
    base = registry_base(fields.spec(), public)
    if not pattern.fullmatch(name) or name in (".", "..") or base is None:
        return None
    qualifiers = {} if base == public else {"repository_url": _without_credentials(base)}
    shown = name.lower() if lower else name
    purl = PackageURL(purl_type, name=shown, qualifiers=qualifiers)
    return Identity(purl, ecosystem_key(ecosystem, name.lower()))


def _without_credentials(url: str) -> str:
    """The stored URLs hold no credentials (they are split off when saved); made sure."""
    return (split_userinfo(url)[0] or url).rstrip("/")


_BY_ECOSYSTEM: dict[str, Callable[[ProjectFields], Identity | None]] = {
    "conda": _conda,
    "crates.io": _cargo,
    "docker": _docker,
    "go": _golang,
    "hex": _hex,
    "homebrew": lambda fields: _brew(fields, cask=False),
    "homebrew-cask": lambda fields: _brew(fields, cask=True),
    "maven": _maven,
    "npm": _npm,
    "nuget": _nuget,
    "open-vsx": _open_vsx,
    "pub": _pub,
    "pypi": _pypi,
    "rubygems": _gem,
    # No registered type: "aur" (the alpm type is for an Arch repository's packages, and the
    # AUR holds build scripts, not packages of a repository) and "terraform" (proposed only).
}

_BY_BACKEND: dict[str, Callable[[ProjectFields], Identity | None]] = {
    "GitHub": _github,
    "BitBucket": _bitbucket,
}
