"""API v2's projects: the list, by name, ecosystem and Package URL, and creating one."""

from __future__ import annotations

from collections.abc import Sequence

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backends import purls, registry
from projects import catalogue, limits, representations, services
from projects.api import inputs, schema
from projects.api.inputs import InputError
from projects.api.v2.common import (
    CHECK_LIMITED,
    INCLUDE_PARAMETER,
    PAGE_PARAMETERS,
    V2View,
    agent,
    includes,
    list_filters,
    page_arguments,
    page_body,
    page_slice,
)
from projects.api.v2.filters import project_ids
from projects.api.v2.serializers import ProjectCreateInput
from projects.api.v2.streams import STREAMS
from projects.representations import RawJSON


def projects_page(
    filters: dict[str, str | None], page: int, per_page: int, *, streams: bool = False
) -> RawJSON:
    """A page of projects (by name, then ecosystem), as JSON; with ``streams``, each
    project's release streams added (``include=streams``), cached under a key of its own."""
    every: Sequence[int] = ()

    def ids(current: int | None) -> Sequence[int]:
        nonlocal every
        every = catalogue.ordered_ids(
            ("v2-projects", *filters.values()), lambda: project_ids(filters), current
        )
        return page_slice(every, page, per_page)

    def wrap(items: list[str]) -> str:
        return page_body(items, page, per_page, len(every))

    if not streams:
        key = ("v2-projects", page, per_page, *filters.values())
        return representations.fragments_answer(key, ids, wrap, extended=True)
    key = ("v2-projects+streams", page, per_page, *filters.values())
    return representations.fragments_answer(key, ids, wrap, extended=True, addition=STREAMS)


class ProjectsApi(V2View):
    """Projects, by name, ecosystem and Package URL."""

    name = "v2 projects"

    serializer_class = ProjectCreateInput

    @extend_schema(
        operation_id="v2_projects_list",
        tags=["v2"],
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("name", OpenApiTypes.STR, description="any case"),
            OpenApiParameter(
                "ecosystem", OpenApiTypes.STR, description="pypi, npm, ... or a homepage"
            ),
            OpenApiParameter(
                "purl",
                OpenApiTypes.STR,
                description="A Package URL (pkg:pypi/requests, pkg:docker/library/nginx, "
                "pkg:github/psf/requests): the projects it names; its version, qualifiers "
                "and subpath are ignored. A malformed one is 400.",
            ),
            INCLUDE_PARAMETER,
        ],
        responses={200: schema.ProjectPage, 400: schema.FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        page, per_page = page_arguments(request)
        filters = list_filters(request, "name", "ecosystem", "purl")
        errors: dict[str, str] = {}
        included = includes(request, errors)
        if filters["purl"] is not None:
            try:
                purls.lookup_key(filters["purl"])
            except purls.InvalidPurl as error:
                errors["purl"] = str(error)
        if errors:
            raise InputError(errors)
        return Response(projects_page(filters, page, per_page, streams="streams" in included))

    @extend_schema(
        operation_id="v2_projects_create",
        tags=["v2"],
        request=ProjectCreateInput,
        responses={
            201: schema.ProjectV2,
            400: schema.bad_request(error=True, message=True),
            401: schema.AUTHENTICATION_REQUIRED,
            409: schema.RequestedProject,
            429: CHECK_LIMITED,
        },
    )
    def post(self, request: Request) -> Response:
        args = inputs.validated(ProjectCreateInput, request.data)
        # Anitya's "check latest release on submit": project_create records its validating
        # check as the first check, so the flag asks for nothing more (no second fetch).
        args.pop("check_release")
        # Before the upstream is asked: an unknown backend, or one needing a version URL.
        if not args["version_url"] and registry.get_backend(args["backend"]).required_version_url:
            raise services.InvalidInput({"version_url": services.REQUIRES_VERSION_URL})
        with limits.preview_slot(limits.requester(request)):  # the validation asks the upstream
            project = services.project_create(agent=agent(request), validate=True, **args)
        project.refresh_from_db()
        return Response(representations.instance_json(project, extended=True), status=201)
