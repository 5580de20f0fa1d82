"""API v1: Anitya's legacy endpoints (contract §3.2), frozen: same URLs, keys, texts, codes.

v1 has no authentication in Anitya; a token, when sent, only names whose rate limit a request
counts against. ``POST /api/version/get`` checks a project now (``test`` non-empty: a dry run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import TokenAuthentication
from projects import catalogue, check, limits, representations, selectors, services
from projects.api import inputs, schema
from projects.api.errors import CheckFailed, ErrorShape, notok
from projects.api.rendering import FORM_ONLY, BrowsableAPIRenderer, PlainTextRenderer
from projects.api.views import ApiView
from projects.representations import RawJSON

API_VERSION = "1.2"
EXCLUSIVE = "pattern and homepage are mutually exclusive.  Specify only one."


class V1View(ApiView):
    authentication_classes = [TokenAuthentication]
    error_shape = ErrorShape.V1


def _glob(pattern: str) -> str:
    """v1 patterns without ``*`` are prefixes: ``py`` means ``py*``."""
    return pattern if "*" in pattern else pattern + "*"


def _form_value(data: Any, name: str) -> Any:
    value = inputs.first_value(data, name) if hasattr(data, "get") else empty
    return None if value is empty else value


def projects_answer(key: tuple[str | None, ...], ids: Callable[[], Sequence[int]]) -> RawJSON:
    """The v1 answer listing the projects ``ids()`` reads, in its order (not paginated)."""

    def ordered(current: int | None) -> Sequence[int]:
        return catalogue.ordered_ids(key, ids, current)

    def wrap(items: list[str]) -> str:
        return '{"projects":[' + ",".join(items) + '],"total":' + str(len(items)) + "}"

    return representations.fragments_answer(key, ordered, wrap)


# -- endpoints --------------------------------------------------------------------------------


class VersionApi(V1View):
    """The API version: `{"version": "1.2"}`."""

    name = "v1 version"

    @extend_schema(operation_id="v1_version", responses=schema.ApiVersion, tags=["v1"])
    def get(self, request: Request) -> Response:
        return Response({"version": API_VERSION})


class ProjectsApi(V1View):
    """Every project, or those matching a name `pattern` (`*` globs; a pattern without `*`
    is a prefix; package names match too), an exact `homepage`, or mapped in a `distro`.
    No pagination."""

    name = "v1 projects"

    @extend_schema(
        operation_id="v1_projects",
        tags=["v1"],
        parameters=[
            OpenApiParameter("pattern", OpenApiTypes.STR, description="e.g. `py*`"),
            OpenApiParameter("homepage", OpenApiTypes.STR, description="exact homepage"),
            OpenApiParameter("distro", OpenApiTypes.STR, description="distro (any case)"),
        ],
        responses={200: schema.ProjectList, 400: schema.V1_ERROR},
    )
    def get(self, request: Request) -> Response:
        pattern = inputs.query_value(request, "pattern")
        homepage = inputs.query_value(request, "homepage")
        distro = inputs.query_value(request, "distro")
        if pattern and homepage:
            return notok([EXCLUSIVE], 400)
        given = [value for value in (pattern, homepage, distro) if value is not None]

        def ids() -> list[int]:
            if any(inputs.usable_text(value) is None for value in given):
                return []  # a NUL character matches no row
            if homepage is not None:
                projects = selectors.projects_with_homepage(homepage)
            elif pattern or distro:  # a distro given empty names no distro: nothing
                projects = selectors.search_projects(
                    _glob(pattern) if pattern else None, distro=distro
                )
            else:
                projects = selectors.search_projects(None)  # every project
            return selectors.ids_by_name(projects)

        return Response(projects_answer(("v1-projects", pattern, homepage, distro), ids))


class PackagesWikiApi(V1View):
    """Every mapping as a line `* <package> <regex> <version_url>` (plain text)."""

    name = "v1 packages (wiki)"

    renderer_classes = [PlainTextRenderer, BrowsableAPIRenderer]

    @extend_schema(
        operation_id="v1_packages_wiki",
        tags=["v1"],
        responses={(200, "text/plain"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> Response:
        def build() -> str:
            rows = selectors.wiki_rows()
            return "\n".join(f"* {name} {regex} {url}" for name, regex, url in rows)

        return Response(representations.catalogue_answer(("wiki",), build))


class ProjectNamesApi(V1View):
    """The names of every project, or of those matching `pattern` (as `/api/projects`)."""

    name = "v1 project names"

    @extend_schema(
        operation_id="v1_project_names",
        tags=["v1"],
        parameters=[OpenApiParameter("pattern", OpenApiTypes.STR)],
        responses=schema.ProjectNames,
    )
    def get(self, request: Request) -> Response:
        pattern = inputs.query_value(request, "pattern")

        def build() -> str:
            names: list[str] = []
            if not pattern or inputs.usable_text(pattern) is not None:
                names = selectors.project_names(_glob(pattern) if pattern else None)
            return representations.dumps({"total": len(names), "projects": names})

        return Response(representations.catalogue_answer(("names", pattern), build))


class DistroNamesApi(V1View):
    """The names of every distribution, or of those matching `pattern` (any case)."""

    name = "v1 distro names"

    @extend_schema(
        operation_id="v1_distro_names",
        tags=["v1"],
        parameters=[OpenApiParameter("pattern", OpenApiTypes.STR)],
        responses=schema.DistroNames,
    )
    def get(self, request: Request) -> Response:
        pattern = inputs.query_value(request, "pattern")
        if pattern and inputs.usable_text(pattern) is None:
            names: list[str] = []
        else:
            names = selectors.distro_names_matching(_glob(pattern) if pattern else "*")
        return Response({"total": len(names), "distro": names})


class VersionGetApi(V1View):
    """Check a project for new versions now. With `test` (any non-empty value) nothing is
    stored and the new versions are returned; otherwise the check is recorded (and
    announced) and `versions` is empty. One check of a project per FORCED_CHECK_INTERVAL
    seconds, and a few at once per client; more get 429 with `Retry-After`."""

    name = "v1 check a project"

    parser_classes = FORM_ONLY
    serializer_class = schema.VersionGetForm

    @extend_schema(
        operation_id="v1_version_get",
        tags=["v1"],
        request={"application/x-www-form-urlencoded": schema.VersionGetForm},
        responses={
            200: schema.FoundVersions,
            400: schema.V1_ERROR,
            404: schema.V1_ERROR,
            429: schema.V1_ERROR,
        },
    )
    def post(self, request: Request) -> Response:
        raw_id = _form_value(request.data, "id")
        if not raw_id:
            return notok(["No project id specified"], 400)
        try:
            project_id = inputs.valid_id(int(raw_id))
        except (TypeError, ValueError):
            project_id = None
        project = selectors.project_by_id(project_id) if project_id else None
        if project is None:
            return notok("No such project", 404)
        if project.archived:
            raise services.ProjectArchived(project)
        who = limits.requester(request)
        if _form_value(request.data, "test"):  # any non-empty value, even "false"
            with limits.preview_slot(who):
                preview = services.preview_project(project)
            return Response({"versions": preview.found_versions})
        with limits.forced_check(project.pk, who):  # its failures never count (issue #13)
            result = check.check_project(project)
        if result.outcome is not check.Outcome.SUCCESS:
            raise CheckFailed(result)
        return Response({"versions": []})


class ProjectApi(V1View):
    """One project, with its packages."""

    name = "v1 project"

    @extend_schema(
        operation_id="v1_project",
        tags=["v1"],
        parameters=[OpenApiParameter("project_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: schema.DetailedProject, 404: schema.V1_ERROR},
    )
    def get(self, request: Request, project_id: str) -> Response:
        data = self.cached_answer(request, project_id=project_id)
        if data is None:
            return notok("no such project", 404)
        return Response(data)

    @staticmethod
    def cached_answer(request: HttpRequest, *, project_id: str) -> RawJSON | None:
        """The answer (see projects/api/cached_lane.py); None: no such project."""
        number = project_id.isascii() and project_id.isdigit()
        pk = inputs.valid_id(int(project_id)) if number else None
        return detailed_answer(pk) if pk else None


class ProjectByPackageApi(V1View):
    """The project a distribution's package packages (package exact, distro any case)."""

    name = "v1 project of a package"

    @extend_schema(
        operation_id="v1_project_by_package",
        tags=["v1"],
        responses={200: schema.DetailedProject, 404: schema.V1_ERROR},
    )
    def get(self, request: Request, distro: str, package_name: str) -> Response:
        data = self.cached_answer(request, distro=distro, package_name=package_name)
        if data is None:
            package_name = package_name.rstrip("/")
            return notok(f'No package "{package_name}" found in distro "{distro}"', 404)
        return Response(data)

    @staticmethod
    def cached_answer(request: HttpRequest, *, distro: str, package_name: str) -> RawJSON | None:
        """The answer (see projects/api/cached_lane.py); None: no such package."""
        package_name = package_name.rstrip("/")
        found = None
        if inputs.usable_text(distro) and inputs.usable_text(package_name):
            found = selectors.project_id_for_package(distro, package_name)
        return detailed_answer(found) if found is not None else None


class ProjectByEcosystemApi(V1View):
    """The project called `project_name` in `ecosystem` (both any case)."""

    name = "v1 project in an ecosystem"

    @extend_schema(
        operation_id="v1_project_by_ecosystem",
        tags=["v1"],
        responses={200: schema.DetailedProject, 404: schema.V1_ERROR},
    )
    def get(self, request: Request, ecosystem: str, project_name: str) -> Response:
        data = self.cached_answer(request, ecosystem=ecosystem, project_name=project_name)
        if data is None:
            return notok(f'No project "{project_name}" found in ecosystem "{ecosystem}"', 404)
        return Response(data)

    @staticmethod
    def cached_answer(request: HttpRequest, *, ecosystem: str, project_name: str) -> RawJSON | None:
        """The answer (see projects/api/cached_lane.py); None: no such project."""
        found = None
        if inputs.usable_text(ecosystem) and inputs.usable_text(project_name):
            found = selectors.project_id_in_ecosystem(ecosystem, project_name)
        return detailed_answer(found) if found is not None else None


def detailed_answer(project_id: int) -> RawJSON | None:
    """The detailed Project JSON of one project, rendered (cached while it holds)."""
    return representations.project_answer("v1 project", project_id, _detailed)


def _detailed(project_id: int) -> tuple[dict[str, Any], None] | None:
    data = representations.detailed_json(project_id)
    return None if data is None else (data, None)


@csrf_exempt  # whatever the method: a JSON 404, never the site's HTML "CSRF failed" page
def not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under /api/: a JSON 404 rather than an HTML page (or, as Django's
    APPEND_SLASH would, a redirect to the same path with a slash when that exists), in the
    error shape of the path's family: v2's under ``/api/v2/``, v1's elsewhere."""
    path = request.path_info
    if request.method in ("GET", "HEAD") and not path.endswith("/"):
        try:
            match = resolve(path + "/", getattr(request, "urlconf", None))
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    if path == "/api/v2" or path.startswith("/api/v2/"):
        error = {"error": "not_found", "error_description": "Not found."}
    else:
        error = {"output": "notok", "error": "Not found"}
    return HttpResponse(representations.dumps(error), status=404, content_type="application/json")
