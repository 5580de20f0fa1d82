"""API v2's versions: a project's versions, and checking a project now or previewing one.

Where Anitya answered 500 (a temporary project clashing with a stored one, a failing check)
these answer 400 with the reason, and 429 with ``Retry-After`` when the upstream rate-limits
the check. Checks people ask for are also limited (``projects/limits.py``): 429 with
``Retry-After`` and ``{"error": "rate_limited", "error_description": ...}``. The errors'
bodies are in ``projects/api/errors.py`` (:attr:`ErrorShape.V2_CHECK`).
"""

from __future__ import annotations

import re
from typing import Any, cast

from django.http import HttpRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backends.credentials import redact
from projects import check, limits, representations, selectors, services
from projects.api import inputs, schema
from projects.api.errors import CheckFailed, ErrorShape
from projects.api.inputs import InputError
from projects.api.v2.common import (
    CHECK_LIMITED_BODY,
    INCLUDE_PARAMETER,
    V2View,
    agent,
    includes,
)
from projects.api.v2.serializers import VersionCheckInput
from projects.api.v2.streams import STREAMS
from projects.models import Project
from projects.representations import RawJSON, StoredVersion

#: The project fields a check request cannot clear (an empty one keeps the stored value, as in
#: Anitya); it may set every other field of ``services.EDITABLE_FIELDS``.
REQUIRED = ("name", "homepage", "backend")
#: The query nearly every read sends, ``project_id=<digits>`` alone: read without building
#: ``request.GET`` (a QueryDict), to the same project id.
USUAL_QUERY = re.compile(r"project_id=([0-9]{1,20})")


class VersionsApi(V2View):
    """A project's versions; and checking a project now, or previewing one."""

    name = "v2 versions"

    serializer_class = VersionCheckInput
    error_shape = ErrorShape.V2_CHECK

    @extend_schema(
        operation_id="v2_versions_list",
        tags=["v2"],
        parameters=[OpenApiParameter("project_id", OpenApiTypes.INT), INCLUDE_PARAMETER],
        responses={
            200: schema.ProjectVersions,
            400: schema.FIELD_ERRORS,
            404: schema.V1_ERROR,
        },
    )
    def get(self, request: Request) -> Response:
        errors: dict[str, str] = {}
        answer = _versions_answer(request, errors)
        if errors:
            raise InputError(errors)
        if answer is None:
            return Response({"output": "notok", "error": "No such project"}, status=404)
        self.last_modified = answer.last_modified
        return Response(answer)

    @staticmethod
    def cached_answer(request: HttpRequest) -> RawJSON | None:
        """The answer (see projects/api/cached_lane.py); None: no such project, or a query
        that gets an error."""
        errors: dict[str, str] = {}
        answer = _versions_answer(request, errors)
        return None if errors else answer

    @extend_schema(
        operation_id="v2_versions_check",
        tags=["v2"],
        request=VersionCheckInput,
        responses={
            200: schema.CheckResult,
            400: schema.bad_request(message=True),
            401: schema.AUTHENTICATION_REQUIRED,
            404: schema.MESSAGE,
            409: schema.MESSAGE,
            429: OpenApiResponse(
                {"oneOf": [{"type": "string"}, CHECK_LIMITED_BODY]},
                description="A JSON string: the upstream's rate limit; or "
                '`{"error": "rate_limited", "error_description": "<reason>"}`: the project was '
                "checked on request less than FORCED_CHECK_INTERVAL seconds ago, or too many "
                "checks of the client are running. See Retry-After.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        args = inputs.validated(VersionCheckInput, request.data)
        dry_run = args.pop("dry_run")
        project_id = args.pop("id", None)
        project = None
        if project_id:
            project_id = inputs.valid_id(project_id)
            project = selectors.project_by_id(project_id) if project_id else None
            if project is None:
                return Response("No such project", status=404)
        elif args.get("name") or args.get("homepage"):
            # Anitya also looked with neither, picking the only project of a one-project
            # database (pitfall 24); without either, this is a temporary project.
            found = selectors.projects_named(
                name=args.get("name") or None,
                # Stored homepages never hold credentials (services.split_credentials).
                homepage=redact(args["homepage"]) if args.get("homepage") else None,
                limit=2,
            )
            if len(found) > 1:
                return Response("More than one project found", status=400)
            project = found[0] if found else None
        if project is None:
            return self.preview_temporary(args)
        return self.check_existing(project, args, dry_run=dry_run)

    def preview_temporary(self, args: dict[str, Any]) -> Response:
        """A project that does not exist: checked in memory, never stored."""
        missing = [field for field in REQUIRED if not args.get(field)]
        if missing:
            return Response(
                f"Can't create temporary project. Missing arguments: {missing!r}", status=400
            )
        fields = project_fields(args)
        if not fields.get("version_url"):
            fields["version_url"] = fields["homepage"]
        return self.preview(services.build_project(**fields))

    def check_existing(self, project: Project, args: dict[str, Any], *, dry_run: bool) -> Response:
        """Apply the fields given (not the others), then preview or really check.

        A check refused by a limit (429) changes nothing: the fields are applied only once
        the check may run."""
        if project.archived:
            raise services.ProjectArchived(project)
        fields = project_fields(args, blank_keeps_stored=True)
        if dry_run:
            edited, _ = services.edited_copy(project, fields)
            return self.preview(edited)
        if fields:  # refused fields are a 400 before any check is claimed
            services.edited_copy(project, fields)
        with limits.forced_check(project.pk, limits.requester(self.request)):
            if fields:
                services.project_edit(project, agent=agent(self.request), **fields)
            result = check.check_project(project)  # its failures never count (issue #13)
        if result.outcome is not check.Outcome.SUCCESS:
            raise CheckFailed(result)
        return Response(versions_body(project, found=None))

    def preview(self, project: Project) -> Response:
        """What a check of ``project`` (stored, edited in memory, or temporary) would find."""
        with limits.preview_slot(limits.requester(self.request)):
            found = services.preview_project(project)
        new: list[StoredVersion] = [
            (version.raw, None, None, None) for version in found.new_versions
        ]
        return Response(versions_body(project, found=found.found_versions, new=new))


def _versions_answer(request: Request | HttpRequest, errors: dict[str, str]) -> RawJSON | None:
    """The cached versions answer of the project the query names; None when there is none (or
    the query is wrong: then ``errors`` say how)."""
    usual = USUAL_QUERY.fullmatch(request.META.get("QUERY_STRING", ""))
    if usual is not None:  # what query_integer and includes would read, without request.GET
        project_id, included = inputs.valid_id(int(usual[1])), frozenset[str]()
    else:
        project_id = inputs.valid_id(inputs.query_integer(request, "project_id", errors))
        included = includes(request, errors)
    if errors or project_id is None:
        return None
    if "streams" in included:  # cached apart from the plain answer, which stays Anitya's
        return representations.project_answer("v2 versions+streams", project_id, _with_streams)
    return representations.project_answer("v2 versions", project_id, _versions)


def _versions(project_id: int) -> tuple[dict[str, Any], Any] | None:
    """A project's versions answer, and when the project last changed."""
    row = representations.load_rows([project_id]).get(project_id)
    if row is None:
        return None
    stored = representations.load_versions([project_id]).get(project_id, [])
    body = representations.versions_json(row, representations.shown_versions(row, stored))
    return body, row["updated_on"]


def _with_streams(project_id: int) -> tuple[dict[str, Any], Any] | None:
    """:func:`_versions` with the project's release streams (``include=streams``)."""
    built = _versions(project_id)
    if built is None:
        return None
    body, last_modified = built
    added = STREAMS.build([project_id]).get(project_id, {"streams": []})
    return {**body, **added}, last_modified


def project_fields(
    args: dict[str, Any], *, blank_keeps_stored: bool = False
) -> services.ProjectFields:
    """The project fields among a check request's ``args`` (VersionCheckInput validated their
    names and types). With ``blank_keeps_stored``, a blank field of :data:`REQUIRED` is left
    out, so the stored value stays."""
    fields = {
        field: value
        for field, value in args.items()
        if field in services.EDITABLE_FIELDS
        and (value or field not in REQUIRED or not blank_keeps_stored)
    }
    return cast(services.ProjectFields, fields)


def versions_body(
    project: Project,
    *,
    found: list[str] | None,
    new: list[StoredVersion] | None = None,
) -> dict[str, Any]:
    """The check answer: the project's versions (with ``new`` ones, in a dry run)."""
    row = representations.row_of(project)
    stored: list[StoredVersion] = []
    if project.pk:
        stored = representations.load_versions([project.pk], times=False).get(project.pk, [])
    shown = representations.shown_versions(row, [*stored, *(new or [])])
    latest = project.latest_version
    if found is not None:  # a dry run: the latest version as if the new ones were stored
        newest = representations.latest_shown(shown)
        latest = newest.parsed if newest else None
    body = {
        "found_versions": found,
        "latest_version": latest,
        "stable_versions": [v.parsed for v in shown if not v.prerelease],
        "versions": [v.parsed for v in shown],
    }
    representations.add_withdrawn(body, shown)
    return body
