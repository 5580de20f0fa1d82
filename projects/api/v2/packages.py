"""API v2's packages: the list of mappings, by distribution and name, and adding one."""

from __future__ import annotations

from collections.abc import Sequence

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from projects import catalogue, representations, selectors, services
from projects.api import inputs, schema
from projects.api.v2.common import (
    PAGE_PARAMETERS,
    V2View,
    agent,
    list_filters,
    page_arguments,
    page_body,
    page_slice,
)
from projects.api.v2.filters import package_ids
from projects.api.v2.serializers import PackageCreateInput
from projects.representations import RawJSON


def packages_page(filters: dict[str, str | None], page: int, per_page: int) -> RawJSON:
    """A page of mappings (by package name), as JSON."""
    every: Sequence[int] = ()
    rows: list[tuple[str, str, int]] = []

    def ids(current: int | None) -> list[int]:
        nonlocal every, rows
        every = catalogue.ordered_ids(
            ("v2-packages", *filters.values()), lambda: package_ids(filters), current
        )
        wanted = page_slice(every, page, per_page)
        found = selectors.package_rows(wanted)
        rows = [found[pk] for pk in wanted if pk in found]
        return list(dict.fromkeys(project_id for _, _, project_id in rows))

    def build(stamps: list[tuple[int, str]]) -> str:
        project_ids = [project_id for project_id, _ in stamps]
        projects = representations.load_rows(project_ids)
        stored = representations.load_versions(project_ids, times=False)
        items = []
        for distro, package_name, project_id in rows:
            project = projects.get(project_id)
            if project is None:  # deleted since the page was read
                continue
            shown = representations.shown_versions(project, stored.get(project_id, []))
            item = representations.package_json(distro, package_name, project, shown)
            items.append(representations.dumps(item))
        return page_body(items, page, per_page, len(every))

    key = ("v2-packages", page, per_page, *filters.values())
    return representations.stamped_answer(key, ids, build)


class PackagesApi(V2View):
    """Mappings of projects to distributions' packages."""

    name = "v2 packages"

    serializer_class = PackageCreateInput

    @extend_schema(
        operation_id="v2_packages_list",
        tags=["v2"],
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("distribution", OpenApiTypes.STR, description="any case"),
            OpenApiParameter("name", OpenApiTypes.STR, description="package name, any case"),
        ],
        responses={200: schema.PackagePage, 400: schema.FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        page, per_page = page_arguments(request)
        filters = list_filters(request, "distribution", "name")
        return Response(packages_page(filters, page, per_page))

    @extend_schema(
        operation_id="v2_packages_create",
        tags=["v2"],
        request=PackageCreateInput,
        responses={
            201: schema.CreatedPackage,
            400: schema.bad_request(error=True),
            401: schema.AUTHENTICATION_REQUIRED,
            409: schema.ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        args = inputs.validated(PackageCreateInput, request.data)
        name, ecosystem = args["project_name"], args["project_ecosystem"]
        project = selectors.project_in_ecosystem(ecosystem, name)
        if project is None:
            return Response(
                {"error": f'Project "{name}" in ecosystem "{ecosystem}" not found'}, status=400
            )
        try:
            package = services.package_map(
                project,
                distro=args["distribution"],
                package_name=args["package_name"],
                agent=agent(request),
                create_distro=False,
            )
        except services.DistroNotFound:
            # Anitya's text names the distribution as it was sent, spaces included.
            raise services.DistroNotFound(args["distribution"]) from None
        return Response(
            {"distribution": package.distro.name, "name": package.package_name}, status=201
        )
