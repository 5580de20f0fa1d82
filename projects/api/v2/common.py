"""What API v2's endpoints share: the base view, pages, list filters, schema parts."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions
from rest_framework.request import Request

from projects.api import inputs
from projects.api.errors import ErrorShape
from projects.api.inputs import InputError
from projects.api.views import ApiView, WritesNeedUser

#: 429 from projects/limits.py: a project checked on request too recently, or too many checks
#: of one client running at once.
CHECK_LIMITED_BODY = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error", "error_description"],
}
CHECK_LIMITED = OpenApiResponse(
    CHECK_LIMITED_BODY,
    description='`{"error": "rate_limited", "error_description": "<reason>"}`: too many '
    "checks of the client running at once; see Retry-After.",
)

PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="1 or more (default 1)."),
    OpenApiParameter("items_per_page", OpenApiTypes.INT, description="1..250 (default 25)."),
]


#: What ``include=`` may add to the answers that take it: the project's release streams.
INCLUDES = ("streams",)
INCLUDE_PARAMETER = OpenApiParameter(
    "include",
    OpenApiTypes.STR,
    description="`streams`: each project gets a `streams` key, its release streams without "
    "their versions (name, key, defined, end_of_life, latest and latest stable version, "
    "first and last release, backports). Comma-separated; any other value is 400. Without "
    "it the answer is Anitya's, unchanged.",
)


def includes(request: Request | HttpRequest, errors: dict[str, str]) -> frozenset[str]:
    """The names ``include=`` asks for (repeated or comma-separated, empty ones ignored); an
    unknown one is added to ``errors``."""
    asked = {
        name.strip()
        for value in request.GET.getlist("include")
        for name in value.split(",")
        if name.strip()
    }
    unknown = sorted(asked - set(INCLUDES))
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:3])
        errors["include"] = f"Unknown value {shown}: the one known is {', '.join(INCLUDES)}."
    return frozenset(asked & set(INCLUDES))


class V2View(ApiView):
    """Reads are public; writes need an API token or a signed-in session (with CSRF)."""

    permission_classes = [WritesNeedUser]
    error_shape = ErrorShape.V2


def agent(request: Request) -> str:
    """Whom a write's messages name: the user's email, as Anitya's v2 does (writes need a
    user, :class:`WritesNeedUser`)."""
    user = request.user
    if user is None or isinstance(user, AnonymousUser):
        raise exceptions.NotAuthenticated()
    return user.email


def page_arguments(request: Request) -> tuple[int, int]:
    """``page`` and ``items_per_page``, or :class:`InputError` (webargs' texts)."""
    errors: dict[str, str] = {}
    page = inputs.query_integer(request, "page", errors, default=1, minimum=1)
    per_page = inputs.query_integer(
        request, "items_per_page", errors, default=25, minimum=1, maximum=250
    )
    if errors or page is None or per_page is None:
        raise InputError(errors)
    return page, per_page


def page_body(items: list[str], page: int, per_page: int, total: int) -> str:
    return (
        '{"items":['
        + ",".join(items)
        + f'],"items_per_page":{per_page},"page":{page},"total_items":{total}}}'
    )


def page_slice(every: Sequence[int], page: int, per_page: int) -> Sequence[int]:
    offset = (page - 1) * per_page
    return every[offset : offset + per_page]


# -- list filters -----------------------------------------------------------------------------


def list_filters(request: Request, *names: str) -> dict[str, str | None]:
    """The list's filters as given (None: absent), in ``names``' order."""
    return {name: inputs.query_value(request, name) for name in names}
