"""API v2's preview of an edit: ``POST /api/v2/projects/<id>/preview/`` (issue #20).

The body holds the project fields to change (those ``POST /api/v2/versions/`` accepts; the
others keep their stored value) and ``check``. The answer is what saving them would do to the
versions the project shows (:func:`projects.services.edit_preview`, the project page's code
path) and, with ``check``, what a fresh check with them finds (:func:`services.fresh_check`),
which takes one of the caller's preview slots like a dry run (429 when none is free). Nothing
is saved or sent. Writes' rules apply: an API token or a signed-in session (with CSRF); bad
fields are v2's 400 (``{"message": {...}}``), an unknown project v2's 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backends.versions.edit_diff import ShownVersion
from projects import limits, selectors, services
from projects.api import inputs, schema
from projects.api.drf import Serializer
from projects.api.v2.common import CHECK_LIMITED, V2View
from projects.api.v2.serializers import ProjectPreviewInput
from projects.api.v2.watches import id_parameter
from projects.models import Project


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(allow_null=True, **kwargs)


class FieldChangeJSON(Serializer):
    before = serializers.JSONField(help_text="The stored value (text, boolean or null).")
    after = serializers.JSONField(help_text="The value saving would store.")


class RelabelledJSON(Serializer):
    stored = serializers.CharField(help_text="The version as stored (as the upstream spells it).")
    before = serializers.CharField()
    after = serializers.CharField()
    prerelease_before = serializers.BooleanField()
    prerelease_after = serializers.BooleanField()


class MovedJSON(Serializer):
    version = serializers.CharField(help_text="As shown after saving.")
    before = serializers.IntegerField(help_text="Its place now (1: newest).")
    after = serializers.IntegerField(help_text="Its place after saving.")


class FreshCheckJSON(Serializer):
    error = _text(help_text="Why the upstream could not be read; the other keys are then empty.")
    found_versions = serializers.ListField(
        child=serializers.CharField(), help_text="New versions the check would store."
    )
    not_found = serializers.ListField(
        child=serializers.CharField(),
        help_text="Stored versions (not withdrawn) the upstream no longer lists, as stored.",
    )
    withdrawn = serializers.ListField(
        child=serializers.CharField(),
        help_text="Of those, the ones the check would mark withdrawn (a complete list only).",
    )
    restored = serializers.ListField(
        child=serializers.CharField(),
        help_text="Withdrawn versions listed again: the mark would go.",
    )
    complete = serializers.BooleanField(
        help_text="The backend lists every version: only then are versions withdrawn."
    )
    warning = _text(help_text="Why none was withdrawn although some are gone.")
    latest_version = _text(help_text="The latest version once the check is recorded.")


class EditPreviewJSON(Serializer):
    """What saving the fields would do; every list newest first."""

    project_id = serializers.IntegerField()
    changes = serializers.DictField(
        child=FieldChangeJSON(), help_text="The fields that would change, by name."
    )
    versions_before = serializers.ListField(
        child=serializers.CharField(), help_text="The versions shown now, as `versions`."
    )
    versions_after = serializers.ListField(
        child=serializers.CharField(), help_text="The versions shown after saving."
    )
    hidden = serializers.ListField(
        child=serializers.CharField(), help_text="Shown now, not after saving."
    )
    revealed = serializers.ListField(
        child=serializers.CharField(), help_text="Not shown now, shown after saving."
    )
    relabelled = RelabelledJSON(many=True, help_text="Shown on both sides, read differently.")
    moved = MovedJSON(
        many=True,
        help_text="The fewest versions shown on both sides whose moving explains the new order.",
    )
    latest_version_before = _text()
    latest_version_after = _text()
    latest_stable_version_before = _text()
    latest_stable_version_after = _text()
    check = FreshCheckJSON(allow_null=True, help_text="With `check`, else null.")


def _parsed(version: ShownVersion | None) -> str | None:
    return version.parsed if version is not None else None


def preview_json(
    project_id: int, preview: services.EditPreview, fresh: services.FreshCheck | None
) -> dict[str, Any]:
    diff = preview.diff
    return {
        "project_id": project_id,
        "changes": {
            field: {"before": before, "after": after}
            for field, (before, after) in sorted(preview.changes.items())
            if field not in services.PRIVATE_FIELDS
        },
        "versions_before": [version.parsed for version in diff.before],
        "versions_after": [version.parsed for version in diff.after],
        "hidden": [version.parsed for version in diff.hidden],
        "revealed": [version.parsed for version in diff.revealed],
        "relabelled": [
            {
                "stored": item.after.raw,
                "before": item.before.parsed,
                "after": item.after.parsed,
                "prerelease_before": item.before.prerelease,
                "prerelease_after": item.after.prerelease,
            }
            for item in diff.relabelled
        ],
        "moved": [
            {"version": move.version.parsed, "before": move.before, "after": move.after}
            for move in diff.moved
        ],
        "latest_version_before": _parsed(diff.latest_before),
        "latest_version_after": _parsed(diff.latest_after),
        "latest_stable_version_before": _parsed(diff.latest_stable_before),
        "latest_stable_version_after": _parsed(diff.latest_stable_after),
        "check": None if fresh is None else fresh_json(fresh),
    }


def fresh_json(fresh: services.FreshCheck) -> dict[str, Any]:
    return {
        "error": fresh.error,
        "found_versions": list(fresh.new_versions),
        "not_found": list(fresh.not_found),
        "withdrawn": list(fresh.withdrawn),
        "restored": list(fresh.restored),
        "complete": fresh.complete,
        "warning": fresh.warning,
        "latest_version": fresh.latest_version,
    }


class ProjectPreviewApi(V2View):
    """Preview an edit of a project, saving nothing."""

    name = "v2 project preview"

    serializer_class = ProjectPreviewInput

    @extend_schema(
        operation_id="v2_project_preview",
        tags=["v2"],
        parameters=[id_parameter("project_id")],
        request=ProjectPreviewInput,
        responses={
            200: EditPreviewJSON,
            400: schema.bad_request(error=True, message=True),
            401: schema.AUTHENTICATION_REQUIRED,
            404: schema.NOT_FOUND,
            409: schema.RequestedProject,
            429: CHECK_LIMITED,
        },
    )
    def post(self, request: Request, project_id: str) -> Response:
        args = inputs.validated(ProjectPreviewInput, request.data)
        check = args.pop("check")
        # The route takes digits only; more digits than an id can have name no project.
        pk = (
            inputs.valid_id(int(project_id)) if len(project_id) <= len(str(inputs.MAX_ID)) else None
        )
        project = selectors.project_by_id(pk) if pk is not None else None
        if project is None:
            raise Http404
        try:
            preview = services.edit_preview(project, cast(services.ProjectFields, args))
        except Project.DoesNotExist:  # deleted meanwhile
            raise Http404 from None
        fresh = None
        if check:
            with limits.preview_slot(limits.requester(request)):
                fresh = services.fresh_check(preview)
        return Response(preview_json(project.pk, preview, fresh))
