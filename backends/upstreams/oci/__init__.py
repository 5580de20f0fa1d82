"""Container images: their tags on any OCI registry (GHCR, Quay, GitLab, Harbor, a self-hosted
registry) and on Docker Hub, through the OCI distribution API and its token handshake.

- :mod:`.references`: what an image reference names (registry, repository), which tags may
  be versions;
- :mod:`.distribution`: the tag list, its pages and the Bearer token handshake;
  :func:`oci_tags` is the piece other backends reuse (charts stored in OCI registries);
- :mod:`.images`: the two backends.
"""

from backends.upstreams.oci.distribution import oci_tags
from backends.upstreams.oci.images import ContainerRegistry, DockerHub
from backends.upstreams.oci.references import ImageReference, is_version_tag, parse_reference

__all__ = [
    "ContainerRegistry",
    "DockerHub",
    "ImageReference",
    "is_version_tag",
    "oci_tags",
    "parse_reference",
]
