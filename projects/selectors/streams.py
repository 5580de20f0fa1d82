"""A project's release streams, from its versions as the project page shows them.

The versions are :attr:`Project.visible_versions` (the project's prefix, scheme, pre-release
and version filters applied, exactly as on its page and in its API answers); a version's date
is its upstream publication date where the upstream gave one, else the day it was retrieved.
Versions marked withdrawn (``ProjectVersion.withdrawn_on``) belong to no stream. The grouping
itself is :func:`backends.versions.streams.detect_streams`.
"""

from __future__ import annotations

from backends.versions.streams import DatedVersion, Stream, detect_streams
from projects.models import Project


def project_streams(project: Project) -> list[Stream]:
    """The project's release streams, newest first (no stream when it has no version)."""
    return detect_streams(
        DatedVersion(version, stored.published_at or stored.created_on)
        for stored, version in project.visible_versions
        if stored.withdrawn_on is None
    )
