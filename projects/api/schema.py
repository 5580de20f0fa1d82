"""The OpenAPI description of v1 and v2 as they really answer (drf-spectacular).

The views answer with dicts built in ``representations.py`` (and cached JSON text), not with
serializers; the serializers here only describe those answers, errors included, so that the
schema at ``/api/v2/schema/`` and the pages built from it tell clients the truth. The
schemathesis test (tests/projects/api/test_fuzz.py) holds the views to it.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.request import Request

from projects.api.drf import Serializer
from projects.api.stream_schema import optional_streams


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(allow_blank=True, **kwargs)


def _versions() -> serializers.ListField:
    return serializers.ListField(child=_text(), help_text="Newest first.")


class Package(Serializer):
    distro = _text()
    package_name = _text()


class Project(Serializer):
    """Anitya's Project JSON (contract §1.3)."""

    backend = _text()
    created_on = serializers.FloatField(allow_null=True, help_text="UTC epoch seconds.")
    ecosystem = _text(help_text="An index (pypi, npm, ...) or the homepage.")
    homepage = _text()
    id = serializers.IntegerField()
    name = _text()
    regex = _text(allow_null=True)
    stable_versions = _versions()
    updated_on = serializers.FloatField(allow_null=True, help_text="UTC epoch seconds.")
    version = _text(allow_null=True, help_text="The latest version.")
    version_url = _text(allow_null=True)
    versions = _versions()


class DetailedProject(Project):
    packages = Package(many=True)


def _withdrawn_versions() -> serializers.ListField:
    return serializers.ListField(
        child=_text(),
        required=False,
        help_text="Only where the project has any: its versions withdrawn upstream (a deleted "
        "tag, a yanked release), newest first. They stay in `versions`, never the latest.",
    )


def _newest_version() -> serializers.CharField:
    return _text(
        required=False,
        help_text="Only where it differs from the latest version: the version the upstream "
        "published last, when that came out after the latest (a backport to an older line). "
        "Withdrawn versions and versions without an upstream publication date do not count.",
    )


class ProjectV2(Project):
    """v2's Project JSON: Anitya's keys plus six more (nothing removed or renamed), two that
    appear only where they say something (``withdrawn_versions``, ``newest_version``), and
    ``streams`` when the list is asked for it (``include=streams``)."""

    latest_stable_version = _text(allow_null=True)
    latest_version_created_on = _text(
        allow_null=True, help_text="When the latest version was found (naive ISO 8601, UTC)."
    )
    latest_version_published_on = _text(
        allow_null=True,
        help_text="When the upstream published the latest version, if it says (naive ISO, UTC).",
    )
    pre_release_filter = _text(allow_null=True)
    purl = _text(
        allow_null=True,
        help_text="The package's Package URL (pkg:pypi/requests, pkg:github/psf/requests), "
        "without version; null where the backend's registry has no registered PURL type.",
    )
    version_filter = _text(allow_null=True)
    withdrawn_versions = _withdrawn_versions()
    newest_version = _newest_version()
    streams = optional_streams()


class RequestedProject(Serializer):
    requested_project = ProjectV2(help_text="The project that could not be created.")


class ProjectPage(Serializer):
    items = ProjectV2(many=True)
    items_per_page = serializers.IntegerField()
    page = serializers.IntegerField()
    total_items = serializers.IntegerField()


#: ``POST /api/v2/projects/purls/``: one entry per PURL given, in its order, in each list.
#: (Written out: a serializer cannot call a field ``errors``, nor make a list's items nullable.)
PURL_LOOKUP = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"allOf": [{"$ref": "#/components/schemas/ProjectV2"}], "nullable": True},
                "description": "The project each PURL names (the one added first when several "
                "do), or null: none has it, or the PURL could not be read.",
            },
            "errors": {
                "type": "array",
                "items": {"type": "string", "nullable": True},
                "description": "Why each PURL could not be read (a malformed one), or null.",
            },
        },
        "required": ["errors", "items"],
    },
    description='`{"errors": [...], "items": [...]}`, as long as `purls`.',
)


class PackageItem(Serializer):
    distribution = _text()
    ecosystem = _text()
    name = _text()
    project = _text()
    stable_version = _text(allow_null=True)
    version = _text(allow_null=True)


class PackagePage(Serializer):
    items = PackageItem(many=True)
    items_per_page = serializers.IntegerField()
    page = serializers.IntegerField()
    total_items = serializers.IntegerField()


class CreatedPackage(Serializer):
    distribution = _text()
    name = _text()


class ProjectVersions(Serializer):
    latest_version = _text(allow_null=True)
    latest_version_created_on = _text(required=False, help_text="Only when known.")
    latest_version_published_on = _text(required=False, help_text="Only when known.")
    stable_versions = _versions()
    versions = _versions()
    withdrawn_versions = _withdrawn_versions()
    newest_version = _newest_version()
    streams = optional_streams()


class CheckResult(Serializer):
    found_versions = serializers.ListField(
        child=_text(), allow_null=True, help_text="New versions (dry run); null after a real run."
    )
    latest_version = _text(allow_null=True)
    stable_versions = _versions()
    versions = _versions()
    withdrawn_versions = _withdrawn_versions()


class ApiVersion(Serializer):
    version = _text()


class ProjectList(Serializer):
    projects = Project(many=True)
    total = serializers.IntegerField()


class ProjectNames(Serializer):
    projects = serializers.ListField(child=_text())
    total = serializers.IntegerField()


class DistroNames(Serializer):
    distro = serializers.ListField(child=_text())
    total = serializers.IntegerField()


class FoundVersions(Serializer):
    versions = serializers.ListField(child=_text())


class VersionGetForm(Serializer):
    """``POST /api/version/get`` (form fields)."""

    id = serializers.IntegerField(help_text="The project's id.")
    test = serializers.CharField(required=False, help_text="Any non-empty value: a dry run.")


# -- errors -----------------------------------------------------------------------------------

_STRING = {"type": "string"}
_V1_ERROR = {
    "type": "object",
    "properties": {
        "output": {"type": "string", "enum": ["notok"]},
        "error": {"oneOf": [_STRING, {"type": "array", "items": _STRING}]},
    },
    "required": ["output", "error"],
}
_FIELD_ERRORS = {
    "type": "object",
    "properties": {
        "message": {
            "type": "object",
            "additionalProperties": _STRING,
            "description": "Each invalid field with its first problem.",
        }
    },
    "required": ["message"],
}
_ERROR = {"type": "object", "properties": {"error": _STRING}, "required": ["error"]}

V1_ERROR = OpenApiResponse(_V1_ERROR, description='`{"output": "notok", "error": ...}`')
FIELD_ERRORS = OpenApiResponse(
    _FIELD_ERRORS, description='Invalid arguments: `{"message": {"<field>": "<problem>"}}`.'
)
ERROR = OpenApiResponse(_ERROR, description='`{"error": "<reason>"}`')
AUTHENTICATION_REQUIRED = OpenApiResponse(
    {
        "type": "object",
        "properties": {"error": _STRING, "error_description": _STRING},
        "required": ["error", "error_description"],
    },
    description="No valid API token (`Authorization: Token <token>`) nor signed-in session.",
)
MESSAGE = OpenApiResponse(_STRING, description="A JSON string saying what went wrong.")
NOT_FOUND = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "error": {"type": "string", "enum": ["not_found"]},
            "error_description": _STRING,
        },
        "required": ["error", "error_description"],
    },
    description='`{"error": "not_found", "error_description": "Not found."}`: no such row of '
    "the caller's (another user's is not found either).",
)


def bad_request(*, error: bool = False, fields: bool = True, message: bool = False) -> Any:
    """A 400 in the shapes Anitya uses for it on that endpoint."""
    shapes: list[dict[str, Any]] = []
    words: list[str] = []
    if error:
        shapes.append(_ERROR)
        words.append('`{"error": "<reason>"}`')
    if fields:
        shapes.append(_FIELD_ERRORS)
        words.append('`{"message": {"<field>": "<problem>"}}`')
    if message:
        shapes.append(_STRING)
        words.append('a JSON string `"<reason>"`')
    return OpenApiResponse({"oneOf": shapes}, description="One of: " + ", ".join(words) + ".")


# drf-spectacular's extensions register themselves in an __init_subclass__ without annotations.
class TokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """``Authorization: Token <token>`` (tokens are made on the user's settings page)."""

    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <your API token>`, from your settings page.",
        }


# -- who may call an operation -----------------------------------------------------------------


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's, telling which operations are public (``DEFAULT_SCHEMA_CLASS``).

    drf-spectacular marks credentials optional (the empty requirement ``{}`` next to the
    schemes) only for DRF's own ``AllowAny`` and ``IsAuthenticatedOrReadOnly``. Here any
    operation whose permissions let an anonymous caller through says so: the v2 reads
    (``WritesNeedUser``) are public, a token only naming whose rate limit they count against;
    the writes still need one. An operation without any authentication (the event log) says
    ``"security": []``: public, nothing to send. Swagger UI then shows no lock on those.
    """

    def get_auth(self) -> list[dict[str, list[str]]]:
        auths = super().get_auth()
        if not any(auths):  # no scheme at all, at most drf-spectacular's {}
            return []
        if {} not in auths and self._allows_anonymous():
            auths.append({})
        return auths

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None and "security" not in operation:
            operation["security"] = []  # drf-spectacular leaves an empty list out
        return operation

    def _allows_anonymous(self) -> bool:
        """Whether every permission of the view lets an anonymous ``self.method`` through."""
        # Stands in for a request: permissions read its method, user and auth.
        request = cast(
            Request, SimpleNamespace(method=self.method, user=AnonymousUser(), auth=None)
        )
        try:
            return all(
                permission.has_permission(request, self.view)
                for permission in self.view.get_permissions()
            )
        except Exception:  # a permission reading more of the request: assume it is not public
            return False


# -- the schema's paths -----------------------------------------------------------------------


def keep_one_spelling(endpoints: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Every route exists with and without a trailing slash; the schema lists one of each:
    v1 as Anitya documents it (``/api/projects``), v2 with the slash (``/api/v2/projects/``)."""
    kept = []
    for endpoint in endpoints:
        path = endpoint[0]
        if path.startswith("/api/v2/"):
            if path.endswith("/"):
                kept.append(endpoint)
        elif not path.endswith("/"):
            kept.append(endpoint)
    return kept


# -- refusals of malformed requests (projects/bad_input.py) ------------------------------------

_MALFORMED = (
    '`{"error": "<reason>"}`: a malformed request (a control character in the path or the '
    "query, a query that is not UTF-8, JSON nested deeper than 64 levels)."
)
_TOO_LARGE = (
    '`{"error": "The request body is larger than <N> bytes."}`: more than '
    "`DATA_UPLOAD_MAX_MEMORY_SIZE`."
)


def document_refusals(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """A postprocessing hook: every operation may refuse a malformed request with 400
    ``{"error": ...}``, and every operation taking a body may refuse one too large with 413."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            _accept_error(responses, "400", _MALFORMED)
            if "requestBody" in operation:
                _accept_error(responses, "413", _TOO_LARGE)
    return result


def _accept_error(responses: dict[str, Any], status: str, description: str) -> None:
    """``status`` answers ``{"error": ...}`` too (besides what it answered already)."""
    response = responses.get(status)
    if response is None:
        responses[status] = {
            "content": {"application/json": {"schema": dict(_ERROR)}},
            "description": description,
        }
        return
    media = response.setdefault("content", {}).setdefault("application/json", {})
    shape = media.get("schema")
    if shape is None:
        media["schema"] = dict(_ERROR)
    elif shape != _ERROR and _ERROR not in shape.get("oneOf", []):
        media["schema"] = {"anyOf": [shape, dict(_ERROR)]}
    response["description"] = f"{response.get('description', '').rstrip()} Or {description}".strip()
