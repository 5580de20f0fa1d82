"""API v2's release streams of a project: ``GET /api/v2/projects/<id>/streams/``.

Read-only and public like the project answers. The streams are the project page's
(:func:`projects.selectors.streams.project_streams`): the hand-defined ones first, then the
detected ones; an unknown project is v2's 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backends.versions.streams import Stream
from projects import representations, selectors
from projects.api import inputs, schema
from projects.api.drf import Serializer
from projects.api.stream_schema import StreamSummary
from projects.api.v2.common import V2View
from projects.api.v2.watches import id_parameter, stamp
from projects.selectors.streams import project_streams, streams_by_project


class StreamJSON(StreamSummary):
    """One release stream (describes the answers)."""

    versions = serializers.ListField(child=serializers.CharField(), help_text="Newest first.")


class StreamsJSON(Serializer):
    project_id = serializers.IntegerField()
    streams = StreamJSON(many=True, help_text="Newest stream first.")


def stream_summary(stream: Stream) -> dict[str, Any]:
    """A stream as ``include=streams`` adds it to a project's JSON: without its versions."""
    return {
        "name": stream.name,
        "key": list(stream.key),
        "defined": stream.defined,
        "end_of_life": stream.end_of_life.isoformat() if stream.end_of_life else None,
        "latest_version": stream.latest.parsed,
        "latest_stable_version": stream.latest_stable.parsed if stream.latest_stable else None,
        "first_release": stamp(stream.first_release),
        "last_release": stamp(stream.last_release),
        "backports": stream.backports,
    }


def stream_json(stream: Stream) -> dict[str, Any]:
    """A stream as the streams endpoint answers it: with its versions, newest first."""
    versions = [item.version.parsed for item in reversed(stream.versions)]
    return {**stream_summary(stream), "versions": versions}


def _added_streams(ids: list[int]) -> dict[int, dict[str, Any]]:
    return {
        project_id: {"streams": [stream_summary(stream) for stream in streams]}
        for project_id, streams in streams_by_project(ids).items()
    }


#: ``include=streams`` of the projects list and the versions answer.
STREAMS = representations.Addition("streams", _added_streams)


class ProjectStreamsApi(V2View):
    """The release streams detected from a project's versions."""

    name = "v2 project streams"

    @extend_schema(
        operation_id="v2_project_streams",
        tags=["v2"],
        parameters=[id_parameter("project_id")],
        responses={200: StreamsJSON, 404: schema.NOT_FOUND},
    )
    def get(self, request: Request, project_id: str) -> Response:
        # The route takes digits only; more digits than an id can have name no project.
        pk = (
            inputs.valid_id(int(project_id)) if len(project_id) <= len(str(inputs.MAX_ID)) else None
        )
        project = selectors.project_detail(pk) if pk is not None else None
        if project is None:
            raise Http404
        streams = project_streams(project)
        return Response({"project_id": project.pk, "streams": [stream_json(s) for s in streams]})
