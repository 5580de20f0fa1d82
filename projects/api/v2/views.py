"""API v2: packages, projects and versions (contract §3.3), plus design.md §4's fixes.

Reads are public; writes need an API token (``Authorization: Token <token>``) or a signed-in
session with its CSRF token, and are made by the services with the user's email as the
messages' agent (as Anitya's v2 does). Where Anitya answered 500 (an unknown backend, a
temporary project clashing with a stored one, a failing check) these answer 400 with the
reason, and 429 with ``Retry-After`` when the upstream rate-limits the check. Checks people ask
for are also limited (``projects/limits.py``): 429 with ``Retry-After`` and
``{"error": "rate_limited", "error_description": ...}``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django_filters import FilterSet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from backends import registry
from backends.base import BackendError, RateLimited
from backends.credentials import redact
from projects import catalogue, check, limits, selectors, services
from projects.api import inputs, representations, schema
from projects.api.inputs import InputError
from projects.api.representations import RawJSON
from projects.api.v2.filters import PackageFilter, ProjectFilter
from projects.api.v2.serializers import PackageCreateInput, ProjectCreateInput, VersionCheckInput
from projects.api.views import AUTHENTICATION_REQUIRED, ApiView, CheckLimited, WritesNeedUser
from projects.models import Package, Project

CHECK_FAILED = "Error when checking for new version: {error}"
#: The project fields a check request cannot clear (an empty one keeps the stored value, as in
#: Anitya); it may set every other field of ``services.EDITABLE_FIELDS``.
REQUIRED = ("name", "homepage", "backend")

#: 429 from projects/limits.py: a project checked on request too recently, or too many checks
#: of one client running at once.
_CHECK_LIMITED = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error", "error_description"],
}
CHECK_LIMITED = OpenApiResponse(
    _CHECK_LIMITED,
    description='`{"error": "rate_limited", "error_description": "<reason>"}`: too many '
    "checks of the client running at once; see Retry-After.",
)

PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="1 or more (default 1)."),
    OpenApiParameter("items_per_page", OpenApiTypes.INT, description="1..250 (default 25)."),
]


class V2View(ApiView):
    permission_classes = [WritesNeedUser]

    def error_body(self, exc: exceptions.APIException) -> Any:
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return AUTHENTICATION_REQUIRED
        if isinstance(exc, exceptions.ParseError):
            if exc.get_codes() == "json_too_deep":
                return {"message": {"json": str(exc.detail)}}
            if "json" in (self.request.content_type or ""):
                return {"message": {"json": "Invalid JSON body."}}
            return {"message": {"form": str(exc.detail)}}
        code = "rate_limited" if isinstance(exc, exceptions.Throttled) else exc.default_code
        return {"error": code, "error_description": str(exc.detail)}


def invalid(error: services.InvalidInput, renamed: dict[str, str] | None = None) -> Response:
    """A service's field errors in Anitya's shape (its one JSON-string case included)."""
    if error.errors == {"version_url": services.REQUIRES_VERSION_URL}:
        return Response(services.REQUIRES_VERSION_URL, status=400)
    renamed = renamed or {}
    fields = {renamed.get(field, field): text for field, text in error.errors.items()}
    return Response({"message": dict(sorted(fields.items()))}, status=400)


def page_arguments(request: Request) -> tuple[int, int]:
    errors: dict[str, str] = {}
    page = inputs.query_integer(request, "page", errors, default=1, minimum=1)
    per_page = inputs.query_integer(
        request, "items_per_page", errors, default=25, minimum=1, maximum=250
    )
    if errors:
        raise InputError(errors)
    return page, per_page  # type: ignore[return-value]


def page_body(items: list[str], page: int, per_page: int, total: int) -> str:
    return (
        '{"items":['
        + ",".join(items)
        + f'],"items_per_page":{per_page},"page":{page},"total_items":{total}}}'
    )


def _filters(request: Request, *names: str) -> dict[str, str | None]:
    return {name: inputs.query_value(request, name) for name in names}


def filtered(filterset: FilterSet) -> QuerySet:
    """The filtered rows; a value the filter cannot use (a NUL character) matches nothing."""
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()


def _page_slice(every: Sequence[int], page: int, per_page: int) -> Sequence[int]:
    offset = (page - 1) * per_page
    return every[offset : offset + per_page]


def projects_page(filters: dict[str, str | None], page: int, per_page: int) -> RawJSON:
    """A page of projects (by name, then ecosystem), as JSON."""
    every: Sequence[int] = ()

    def ids(current: int | None) -> Sequence[int]:
        nonlocal every
        every = catalogue.ordered_ids(
            ("v2-projects", *filters.values()),
            lambda: (
                filtered(ProjectFilter(filters))
                .order_by("name", "ecosystem_name")
                .values_list("id", flat=True)
            ),
            current,
        )
        return _page_slice(every, page, per_page)

    def wrap(items: list[str]) -> str:
        return page_body(items, page, per_page, len(every))

    key = ("v2-projects", page, per_page, *filters.values())
    return representations.fragments_answer(key, ids, wrap, extended=True)


def packages_page(filters: dict[str, str | None], page: int, per_page: int) -> RawJSON:
    """A page of mappings (by package name), as JSON."""
    every: Sequence[int] = ()
    rows: list[tuple[str, str, int]] = []

    def ids(current: int | None) -> list[int]:
        nonlocal every, rows
        # (distro, package_name) is unique: this order is total, and read from an index.
        every = catalogue.ordered_ids(
            ("v2-packages", *filters.values()),
            lambda: (
                filtered(PackageFilter(filters))
                .order_by("package_name", "distro_id")
                .values_list("pk", flat=True)
            ),
            current,
        )
        wanted = _page_slice(every, page, per_page)
        found = {
            pk: (distro, package_name, project_id)
            for pk, distro, package_name, project_id in Package.objects.filter(
                pk__in=list(wanted)
            ).values_list("pk", "distro__name", "package_name", "project_id")
        }
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
            item = {
                "distribution": distro,
                "ecosystem": project["ecosystem_name"],
                "name": package_name,
                "project": project["name"],
                "stable_version": next((v.parsed for v in shown if not v.prerelease), None),
                "version": project["latest_version"],
            }
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
        try:
            page, per_page = page_arguments(request)
        except InputError as error:
            return Response(error.body, status=400)
        filters = _filters(request, "distribution", "name")
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
        try:
            args = inputs.validated(PackageCreateInput, request.data)
        except InputError as error:
            return Response(error.body, status=400)
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
                agent=request.user.email,
                create_distro=False,
            )
        except services.DistroNotFound:
            return Response(
                {"error": f'Distribution "{args["distribution"]}" not found'}, status=400
            )
        except services.MappingClash:
            return Response({"error": "package already exists in distribution"}, status=409)
        except services.ProjectArchived as error:
            return Response({"error": str(error)}, status=400)
        except services.InvalidInput as error:
            return invalid(error, {"distro": "distribution"})
        return Response(
            {"distribution": package.distro.name, "name": package.package_name}, status=201
        )


class ProjectsApi(V2View):
    """Projects, by name and ecosystem."""

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
        ],
        responses={200: schema.ProjectPage, 400: schema.FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        try:
            page, per_page = page_arguments(request)
        except InputError as error:
            return Response(error.body, status=400)
        filters = _filters(request, "name", "ecosystem")
        return Response(projects_page(filters, page, per_page))

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
        try:
            args = inputs.validated(ProjectCreateInput, request.data)
        except InputError as error:
            return Response(error.body, status=400)
        # Anitya's "check latest release on submit": project_create records its validating
        # check as the first check, so the flag asks for nothing more (no second fetch).
        args.pop("check_release")
        if not args["version_url"]:
            try:
                backend = registry.get_backend(args["backend"])
            except registry.UnknownBackend as error:
                return Response({"message": {"backend": str(error)}}, status=400)
            if backend.required_version_url:
                return Response(services.REQUIRES_VERSION_URL, status=400)
        who = limits.requester(request)
        try:
            with limits.preview_slot(who):  # the validation asks the upstream
                project = services.project_create(agent=request.user.email, validate=True, **args)
        except limits.Limited as limit:
            raise CheckLimited(limit) from None
        except services.InvalidInput as error:
            return invalid(error)
        except services.ProjectCheckFailed as error:
            return Response({"error": str(error)}, status=400)
        except services.ProjectExists as error:
            requested = representations.instance_json(error.requested, extended=True)
            return Response({"requested_project": requested}, status=409)
        project.refresh_from_db()
        return Response(representations.instance_json(project, extended=True), status=201)


class VersionsApi(V2View):
    """A project's versions; and checking a project now, or previewing one."""

    name = "v2 versions"

    serializer_class = VersionCheckInput

    @extend_schema(
        operation_id="v2_versions_list",
        tags=["v2"],
        parameters=[OpenApiParameter("project_id", OpenApiTypes.INT)],
        responses={
            200: schema.ProjectVersions,
            400: schema.FIELD_ERRORS,
            404: schema.V1_ERROR,
        },
    )
    def get(self, request: Request) -> Response:
        errors: dict[str, str] = {}
        project_id = inputs.query_integer(request, "project_id", errors)
        if errors:
            return Response(InputError(errors).body, status=400)
        project_id = inputs.valid_id(project_id)
        rows = representations.load_rows([project_id]) if project_id else {}
        if not rows:
            return Response({"output": "notok", "error": "No such project"}, status=404)
        row = rows[project_id]
        stored = representations.load_versions([project_id]).get(project_id, [])
        shown = representations.shown_versions(row, stored)
        body: dict[str, Any] = {
            "latest_version": row["latest_version"],
            "stable_versions": [v.parsed for v in shown if not v.prerelease],
            "versions": [v.parsed for v in shown],
        }
        if shown and shown[0].created_on:
            body["latest_version_created_on"] = representations.naive_iso(shown[0].created_on)
        if shown and shown[0].published_at:
            body["latest_version_published_on"] = representations.naive_iso(shown[0].published_at)
        self.last_modified = row["updated_on"]
        return Response(body)

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
                {"oneOf": [{"type": "string"}, _CHECK_LIMITED]},
                description="A JSON string: the upstream's rate limit; or "
                '`{"error": "rate_limited", "error_description": "<reason>"}`: the project was '
                "checked on request less than FORCED_CHECK_INTERVAL seconds ago, or too many "
                "checks of the client are running. See Retry-After.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            args = inputs.validated(VersionCheckInput, request.data)
        except InputError as error:
            return Response(error.body, status=400)
        dry_run = args.pop("dry_run")
        project_id = args.pop("id", None)
        project = None
        if project_id:
            project_id = inputs.valid_id(project_id)
            project = Project.objects.filter(pk=project_id).first() if project_id else None
            if project is None:
                return Response("No such project", status=404)
        elif args.get("name") or args.get("homepage"):
            # Anitya also looked with neither, picking the only project of a one-project
            # database (pitfall 24); without either, this is a temporary project.
            candidates = Project.objects.all()
            for field in ("name", "homepage"):
                if args.get(field):
                    # Stored homepages never hold credentials (services.split_credentials).
                    wanted = redact(args[field]) if field == "homepage" else args[field]
                    candidates = candidates.alias(**{f"lower_{field}": Lower(field)}).filter(
                        **{f"lower_{field}": wanted.lower()}
                    )
            found = list(candidates.order_by("pk")[:2])
            if len(found) > 1:
                return Response("More than one project found", status=400)
            project = found[0] if found else None
        if project is None:
            return self.preview_temporary(args)
        return self.check_existing(project, args, dry_run=dry_run, agent=request.user.email)

    def preview_temporary(self, args: dict[str, Any]) -> Response:
        """A project that does not exist: checked in memory, never stored."""
        missing = [field for field in REQUIRED if not args.get(field)]
        if missing:
            return Response(
                f"Can't create temporary project. Missing arguments: {missing!r}", status=400
            )
        editable = services.EDITABLE_FIELDS
        fields = {field: value for field, value in args.items() if field in editable}
        if not fields.get("version_url"):
            fields["version_url"] = fields["homepage"]
        try:
            project = services.build_project(**fields)
        except services.InvalidInput as error:
            return invalid(error)
        return self.preview(project)

    def check_existing(
        self, project: Project, args: dict[str, Any], *, dry_run: bool, agent: str
    ) -> Response:
        """Apply the fields given (not the others), then preview or really check.

        A check refused by a limit (429) changes nothing: the fields are applied only once
        the check may run."""
        if project.archived:
            return Response(CHECK_FAILED.format(error=check.ARCHIVED_ERROR), status=400)
        fields = {
            field: value
            for field, value in args.items()
            if field in services.EDITABLE_FIELDS and (value or field not in REQUIRED)
        }
        if dry_run:
            try:
                edited, changes = services.edited_copy(project, fields)
            except services.InvalidInput as error:
                return invalid(error)
            if set(changes) & services.FETCH_FIELDS:  # the last answer's validators are moot
                edited.etag = edited.last_modified = ""
            return self.preview(edited)
        try:
            if fields:  # refused fields are a 400 before any check is claimed
                services.edited_copy(project, fields)
            with limits.forced_check(project.pk, limits.requester(self.request)):
                if fields:
                    services.project_edit(project, agent=agent, **fields)
                result = check.check_project(project)  # its failures never count (issue #13)
        except limits.Limited as limit:
            raise CheckLimited(limit) from None
        except services.InvalidInput as error:
            return invalid(error)
        except services.ProjectExists as error:
            return Response(str(error), status=409)
        except services.ProjectArchived:
            return Response(CHECK_FAILED.format(error=check.ARCHIVED_ERROR), status=400)
        if result.outcome is check.Outcome.RATE_LIMITED:
            return rate_limited(result.error or "", result.reset_at)
        if result.outcome is not check.Outcome.SUCCESS:
            return Response(CHECK_FAILED.format(error=result.error), status=400)
        return Response(versions_body(project, found=None))

    def preview(self, project: Project) -> Response:
        """What a check of ``project`` (stored, edited in memory, or temporary) would find."""
        try:
            with limits.preview_slot(limits.requester(self.request)):
                found = services.preview_project(project)
        except limits.Limited as limit:
            raise CheckLimited(limit) from None
        except RateLimited as limit:
            return rate_limited(str(limit), limit.reset_at)
        except BackendError as error:
            return Response(CHECK_FAILED.format(error=error), status=400)
        new = [(version.raw, None, None) for version in found.new_versions]
        return Response(versions_body(project, found=found.found_versions, new=new))


def versions_body(
    project: Project, *, found: list[str] | None, new: list[tuple] | None = None
) -> dict[str, Any]:
    """The check answer: the project's versions (with ``new`` ones, in a dry run)."""
    row = representations.row_of(project)
    stored = []
    if project.pk:
        stored = representations.load_versions([project.pk], times=False).get(project.pk, [])
    shown = representations.shown_versions(row, [*stored, *(new or [])])
    latest = project.latest_version
    if found is not None:  # a dry run: the latest version as if the new ones were stored
        latest = shown[0].parsed if shown else None
    return {
        "found_versions": found,
        "latest_version": latest,
        "stable_versions": [v.parsed for v in shown if not v.prerelease],
        "versions": [v.parsed for v in shown],
    }


def rate_limited(message: str, reset_at: Any) -> Response:
    wait = 60
    if reset_at is not None:
        wait = max(1, math.ceil((reset_at - timezone.now()).total_seconds()))
    return Response(
        CHECK_FAILED.format(error=message), status=429, headers={"Retry-After": str(wait)}
    )
