"""The two backends of container images: any OCI registry, and Docker Hub by image name.

Both read the repository's tags through the distribution API (:mod:`.distribution`) and keep
those that may be versions (:func:`~.references.is_version_tag`), and the tags a project names
in its "Tags to keep" (the project's ``regex``: a tag it matches whole is kept even if it looks
like no version, such as ``nightly`` or ``edge``). That pattern is a user regex like any other:
validated when entered and again here, and run within the user regexes' limits, with one
``REGEX_TIMEOUT`` for all the tags of a check. The registry lists tags in
lexical order, not newest first, so every check reads every page, unconditionally: an
unchanged first page says nothing about the pages after it.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from backends import config, regexes
from backends.base import Backend, BackendError, FieldHelp, ProjectSpec, Release
from backends.http import display_url
from backends.upstreams.oci.distribution import oci_tags
from backends.upstreams.oci.references import (
    DOCKER_HUB,
    ImageReference,
    is_version_tag,
    parse_reference,
    registry_origin,
    repository_name,
)

if TYPE_CHECKING:
    from backends.http import HttpClient

_LEFT_OUT = "latest, commit and signature tags and single-architecture variants are left out"
TAGS_TO_KEEP = FieldHelp(
    "Tags to keep",
    "Optional: a regular expression naming tags to keep although they look like no version "
    "(they are left out by default: latest, commits, signatures, -amd64 and other "
    "single-architecture variants). It must match the whole tag: edge|stable keeps edge and "
    "stable, [\\d.]+-amd64 keeps 1.25-amd64. Other tags are kept or left out "
    "as usual; the version filter still applies to every tag.",
)


def image_releases(spec: ProjectSpec, image: ImageReference, http: HttpClient) -> list[Release]:
    """The tags of ``image`` that may be versions, and those the project keeps; none at all
    is an error that says why."""
    tags = oci_tags(image.registry, image.repository, http, label=spec.name)
    kept = kept_tags(spec, [tag for tag in tags if not is_version_tag(tag)])
    releases = [Release(tag) for tag in tags if tag in kept or is_version_tag(tag)]
    if not releases:
        listed = f"lists {len(tags)} tags, none a version ({_LEFT_OUT})" if tags else "lists no tag"
        if tags and (spec.regex or "").strip():
            listed += " and none the tags to keep"
        raise BackendError(
            f"{spec.name}: no upstream version found. {image.host} {listed} for "
            f"{image.repository}. ({image.tags_url})"
        )
    return releases


def kept_tags(spec: ProjectSpec, tags: list[str]) -> set[str]:
    """Those of ``tags`` the project's "Tags to keep" matches whole (none without one).

    ``%(name)s`` stands for the project's name, as in every project regex. A pattern that
    cannot be used (stored before the rules, or failing on a tag) fails the check readably.
    """
    pattern = (spec.regex or "").strip()
    if not pattern or not tags:
        return set()
    try:
        regexes.validate_user_regex(pattern)
    except regexes.InvalidRegex as error:
        raise BackendError(
            f"{spec.name}: the project's tags to keep cannot be used: {error}"
        ) from None
    pattern = pattern.replace(regexes.NAME_PLACEHOLDER, re.escape(spec.name.strip()))
    deadline = time.monotonic() + config.current().regex_timeout
    kept = set()
    for tag in tags:
        try:
            if regexes.fullmatch(pattern, tag, timeout=deadline - time.monotonic()):
                kept.add(tag)
        except regexes.PatternFailed as error:
            raise BackendError(
                f"{spec.name}: the project's tags to keep could not be run over the "
                f"{len(tags):,} tags that look like no version ({error}). Simplify it."
            ) from None
    return kept


class ContainerRegistry(Backend):
    """Tags of an image on any registry that speaks the OCI distribution API."""

    name = "Container registry (OCI)"
    examples = (
        "ghcr.io/home-assistant/home-assistant",
        "quay.io/prometheus/prometheus",
        "docker.io/library/nginx",
    )
    fields = {
        "version_url": FieldHelp(
            "Image",
            "The image as you would pull it, without a tag: ghcr.io/owner/image, "
            "quay.io/namespace/repository, registry.gitlab.com/group/project, nginx (Docker "
            "Hub). For a self-hosted registry or a mirror, give its address and the repository "
            "(https://registry.example.org/team/app; http:// for one without TLS), and for a "
            "private image the credentials in it (https://user:token@registry.example.org/...): "
            "they are sent to that registry only. Tags that are no version (latest, commits, "
            "signatures, -amd64 and other single-architecture variants) are left out.",
            required=True,
        ),
        "regex": TAGS_TO_KEEP,
    }
    required_version_url = True
    default_version_scheme = "Semantic"

    def version_url(self, spec: ProjectSpec) -> str:
        """The tag list the check reads ("" while the image cannot be understood)."""
        image = parse_reference(spec.version_url or "")
        return image.tags_url if image else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        image = parse_reference(spec.version_url or "")
        if image is None:
            given = display_url((spec.version_url or "").strip())
            raise BackendError(
                f'Project {spec.name} was incorrectly set up: "{given}" is not an image. Give '
                "it as for docker pull, without a tag: ghcr.io/owner/image, quay.io/namespace/"
                "repository, nginx, or https://registry.example.org/team/app."
            )
        return image_releases(spec, image, http)


class DockerHub(Backend):
    """Tags of an image on Docker Hub, or on a mirror of it."""

    name = "Docker Hub"
    examples = ("https://hub.docker.com/_/nginx", "https://hub.docker.com/r/grafana/grafana")
    fields = {
        "name": FieldHelp(
            "Image name",
            "The image on Docker Hub, as for docker pull without a tag: nginx (an official "
            "image, library/nginx) or owner/image such as grafana/grafana.",
            required=True,
        ),
        "version_url": FieldHelp(
            "Registry URL",
            "Leave empty to read Docker Hub. Otherwise the address of a mirror or pull-through "
            "cache of Docker Hub (https://mirror.gcr.io), with the path of its proxy project "
            "if it has one (https://harbor.example.org/dockerhub-proxy). Tags that are no "
            "version (latest, commits, signatures, -amd64 and other single-architecture "
            "variants) are left out.",
        ),
        "regex": TAGS_TO_KEEP,
    }
    default_version_scheme = "Semantic"

    def version_url(self, spec: ProjectSpec) -> str:
        """The tag list the check reads ("" while the name or the URL cannot be understood)."""
        image = docker_hub_image(spec)
        return image.tags_url if image else ""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        image = docker_hub_image(spec)
        if image is None:
            raise BackendError(
                f"Project {spec.name} was incorrectly set up: the name must be a Docker Hub "
                "image (nginx, grafana/grafana), and the version URL empty or the http(s) "
                "address of a Docker Hub mirror. For another registry, use the "
                f"{ContainerRegistry.name} backend."
            )
        return image_releases(spec, image, http)


def docker_hub_image(spec: ProjectSpec) -> ImageReference | None:
    """The image the project's name names, on Docker Hub or the mirror of its version URL."""
    image = parse_reference(spec.name.strip().lower())
    if image is None or image.registry != DOCKER_HUB:
        return None
    value = (spec.version_url or "").strip()
    if not value:
        return image
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    registry = registry_origin(parts.scheme.lower(), parts.netloc.rpartition("@")[2])
    if registry is None or parts.query or parts.fragment:
        return None
    # A proxy project's path comes before the image: /v2/<proxy>/library/nginx/tags/list.
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and segments[-1] == "v2":  # the API root pasted instead of the registry's
        segments.pop()
    repository = repository_name("/".join([*segments, image.repository]), docker_hub=False)
    return ImageReference(registry, repository) if repository else None
