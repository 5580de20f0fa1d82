"""The OpenAPI description of a release stream in API v2's answers (drf-spectacular): the
summary ``include=streams`` adds to project answers, which the streams endpoint extends with
the versions. Apart from :mod:`projects.api.schema` only for its size."""

from __future__ import annotations

from rest_framework import serializers

from projects.api.drf import Serializer


class StreamSummary(Serializer):
    """One release stream of a project, without its versions (``include=streams``)."""

    name = serializers.CharField(
        help_text="`3.12`, `16`, `1!2`; `other` for unnumbered ones; a hand-defined "
        "stream's own name (e.g. `LTS`)."
    )
    key = serializers.ListField(
        child=serializers.CharField(),
        help_text="The epoch, the major and, for a line split by minor, the minor; empty "
        "for `other` and for a hand-defined stream.",
    )
    defined = serializers.BooleanField(
        help_text="Defined by hand (a name and a pattern) rather than detected."
    )
    end_of_life = serializers.DateField(
        allow_null=True, help_text="The day the stream was marked end-of-life (YYYY-MM-DD)."
    )
    latest_version = serializers.CharField()
    latest_stable_version = serializers.CharField(allow_null=True)
    first_release = serializers.CharField(allow_null=True, help_text="ISO 8601, UTC.")
    last_release = serializers.CharField(allow_null=True, help_text="ISO 8601, UTC.")
    backports = serializers.BooleanField(
        help_text="Released after a newer stream had started: a maintained older line."
    )


def optional_streams() -> StreamSummary:
    return StreamSummary(
        many=True,
        required=False,
        help_text="Only with `include=streams`: the project's release streams as "
        "`/api/v2/projects/<id>/streams/` gives them (hand-defined first, then detected, "
        "newest first), without their versions; an empty list for a project without versions.",
    )
