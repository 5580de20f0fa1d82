"""Image references: which registry and repository a user means, and which tags are versions.

A reference is what people type after ``docker pull``, without the tag: ``nginx`` (Docker
Hub's ``library/nginx``), ``grafana/grafana``, ``ghcr.io/owner/image``, ``quay.io/ns/repo``,
``localhost:5000/app``. Docker's rule decides whether the first component is a registry: it is
one when it holds a ``.`` or a ``:``, or is ``localhost``. An address with a scheme
(``https://registry.example.org/team/app``, ``http://...`` for a registry without TLS) names
the registry's origin and the repository explicitly; the web pages of Docker Hub and Quay are
understood too, since people paste those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from backends.credentials import origin

DOCKER_HUB = "https://registry-1.docker.io"
# Docker's names for its own registry; its distribution API answers at registry-1.docker.io.
_DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
# The repository grammar of the OCI distribution spec (lower case, no empty or dot-only
# component: a name can never climb out of /v2/<name>/ with "..").
_REPOSITORY = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)
_MAX_REPOSITORY_LENGTH = 255
# The tag grammar of the OCI distribution spec.
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_IPV6 = re.compile(r"[0-9a-f:.]+")

# Tags that name a build, not a release: a git commit (`3f2a9c1`, `sha-3f2a9c1`).
_COMMIT_TAG = re.compile(r"(?:sha-)?[0-9a-f]{7,64}")
# Single-architecture variants of a multi-architecture release (`1.2.3-arm64`, `arm32v7-1.2`).
_ARCHITECTURES = frozenset(
    {
        "386", "aarch64", "amd64", "arm", "arm32v5", "arm32v6", "arm32v7", "arm64", "arm64v8",
        "armel", "armhf", "armv5", "armv6", "armv7", "i386", "loong64", "mips64le", "ppc64",
        "ppc64le", "riscv64", "s390x", "x86", "x86_64",
    }
)  # fmt: skip
# Cosign signatures, attestations and SBOMs (`sha256-<digest>.sig`), and the referrers
# fallback tags of OCI 1.1 (`sha256-<digest>`): artefacts attached to an image, not releases.
_ATTACHED_SUFFIXES = (".sig", ".att", ".sbom")


@dataclass(frozen=True)
class ImageReference:
    """A repository on a registry: ``registry`` is an origin (``https://ghcr.io``)."""

    registry: str
    repository: str

    @property
    def host(self) -> str:
        """The registry's host (and port), as messages name it."""
        return self.registry.split("://", 1)[1]

    @property
    def tags_url(self) -> str:
        """The distribution API's tag list of the repository."""
        return f"{self.registry}/v2/{self.repository}/tags/list"


def is_version_tag(tag: str) -> bool:
    """Whether a tag may be a release: not `latest`, a commit, a signature or one architecture.

    A tag without a digit (`latest`, `stable`, `alpine`) names no version; the rest are left
    for the project's own filters (`1.25-alpine` is a variant some people watch).
    """
    lowered = tag.lower()
    if not any(char.isdigit() for char in lowered):
        return False
    if lowered.startswith("sha256-") or lowered.endswith(_ATTACHED_SUFFIXES):
        return False
    # Only hex strings with a letter: `20240115` is a date, `3f2a9c1` a commit.
    if _COMMIT_TAG.fullmatch(lowered) and not lowered.removeprefix("sha-").isdigit():
        return False
    parts = re.split(r"[-_]", lowered)
    return parts[0] not in _ARCHITECTURES and parts[-1] not in _ARCHITECTURES


def repository_name(path: str, *, docker_hub: bool) -> str | None:
    """The repository of a path (a tag or digest dropped), validated; else None.

    On Docker Hub a one-component name is an official image: ``nginx`` is ``library/nginx``.
    Names are lower case (GitHub's ``Owner/Repo`` is pulled as ``ghcr.io/owner/repo``).
    """
    path = path.strip().strip("/").partition("@")[0]  # `image@sha256:...` pins a digest
    head, slash, last = path.rpartition("/")
    path = (head + slash + last.partition(":")[0]).lower()  # `image:1.2` pins a tag
    if docker_hub and path and "/" not in path:
        path = "library/" + path
    if len(path) > _MAX_REPOSITORY_LENGTH or not _REPOSITORY.fullmatch(path):
        return None
    return path


def registry_origin(scheme: str, host_and_port: str) -> str | None:
    """``scheme://host[:port]`` (lower case, default port left out) if it is one; else None."""
    if scheme not in ("http", "https") or any(c in host_and_port for c in "/?#@\\"):
        return None
    if not host_and_port or any(c.isspace() for c in host_and_port):
        return None
    address = f"{scheme}://{host_and_port}"
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return None
    host = parts.hostname or ""
    if not (_HOST.fullmatch(host) or (":" in host and _IPV6.fullmatch(host))):
        return None
    return origin(address)


def parse_reference(value: str) -> ImageReference | None:
    """The registry and repository ``value`` names (see the module docstring); else None."""
    text = value.strip()
    for pseudo_scheme in ("docker://", "oci://"):  # skopeo's and Helm's spellings
        if text.lower().startswith(pseudo_scheme):
            text = text[len(pseudo_scheme) :]
    if "://" in text:
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        scheme, host_and_port, path = parts.scheme.lower(), parts.netloc, parts.path
        if scheme not in ("http", "https"):
            return None
        host_and_port = host_and_port.rpartition("@")[2]  # credentials travel apart
    else:
        first, slash, rest = text.partition("/")
        if slash and ("." in first or ":" in first or first == "localhost"):
            scheme, host_and_port, path = "https", first, rest
        else:
            scheme, host_and_port, path = "https", "docker.io", text
    host = host_and_port.lower()
    if host == "hub.docker.com":  # the web pages: /_/nginx, /r/owner/image
        host, path = "docker.io", _hub_page_path(path)
    elif host == "quay.io" and path.startswith("/repository/"):
        path = path.removeprefix("/repository/")
    if host in _DOCKER_HUB_HOSTS:
        registry: str | None = DOCKER_HUB
    else:
        registry = registry_origin(scheme, host_and_port)
    repository = repository_name(path, docker_hub=registry == DOCKER_HUB)
    if registry is None or repository is None:
        return None
    return ImageReference(registry, repository)


def _hub_page_path(path: str) -> str:
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) >= 2 and segments[0] == "_":
        return "library/" + segments[1]
    if len(segments) >= 3 and segments[0] in ("r", "repository"):
        return f"{segments[1]}/{segments[2]}"
    return ""
