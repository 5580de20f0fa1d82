"""A project's release streams, from its versions as the project page shows them.

The versions are :attr:`Project.visible_versions` (the project's prefix, scheme, pre-release
and version filters applied, exactly as on its page and in its API answers); a version's date
is its upstream publication date where the upstream gave one, else the day it was retrieved.
Versions marked withdrawn (``ProjectVersion.withdrawn_on``) belong to no stream. The project's
hand-defined streams (:class:`~projects.models.ReleaseStream`, in their order) take the
versions their patterns find first (:func:`backends.stream_definitions.release_streams`);
the grouping of the others is :func:`backends.versions.streams.detect_streams`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from backends.stream_definitions import release_streams
from backends.versions.streams import DatedVersion, Stream
from projects.models import Project, ReleaseStream

#: Where :func:`project_streams` keeps its answer on a project instance.
_KEPT = "_release_streams_kept"


def stream_definitions(project: Project) -> list[ReleaseStream]:
    """The project's hand-defined streams in the order they are tried (prefetched or read;
    none without a query when :func:`~projects.selectors.project_detail` saw that there are
    none)."""
    if getattr(project, "has_release_streams", None) is False:
        return []
    return list(project.release_streams.all())


def project_streams(project: Project) -> list[Stream]:
    """The project's release streams: the hand-defined ones that hold a version, in their
    order, then the detected ones, newest first (no stream when it has no version).

    Kept on the instance while its parsed versions and its definitions are the same ones: the
    project page asks twice (the streams table and the timeline), and grouping 2,000 versions
    takes some 15 ms.
    """
    definitions = [row.definition for row in stream_definitions(project)]
    parsed = project.sorted_versions  # the instance's own list, replaced when it is saved
    kept = project.__dict__.get(_KEPT)
    if kept is not None and kept[0] is parsed and kept[1] == definitions:
        return list(kept[2])
    streams = release_streams(
        (
            DatedVersion(version, stored.published_at or stored.created_on)
            for stored, version in project.visible_versions
            if stored.withdrawn_on is None
        ),
        definitions,
    )
    project.__dict__[_KEPT] = (parsed, definitions, tuple(streams))
    return streams


def streams_by_project(ids: Sequence[int]) -> dict[int, list[Stream]]:
    """:func:`project_streams` of each project of ``ids`` that exists, read with three
    queries for all of them (the projects, their versions, their hand-defined streams)."""
    projects = Project.objects.filter(pk__in=ids).prefetch_related("versions", "release_streams")
    return {project.pk: project_streams(project) for project in projects}


def stream_names(streams: Iterable[Stream]) -> dict[str, str]:
    """Each version (as shown) of ``streams`` -> the name of its stream."""
    return {item.version.parsed: stream.name for stream in streams for item in stream.versions}
