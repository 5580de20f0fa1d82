"""How the API answers errors: one mapping from what the services, the limits and the backends
refuse (and from DRF's own errors) to Anitya's status codes and bodies.

Views raise; :func:`handle_exception`, every API view's exception handler, answers. One
refusal reads differently in each family of endpoints, so each view names its
:class:`ErrorShape`:

- ``V1``: ``{"output": "notok", "error": ...}``;
- ``V2``: DRF's errors as ``{"error": "<code>", "error_description": ...}``, fields as
  ``{"message": {"<field>": ...}}``, the services' refusals as ``{"error": ...}``;
- ``V2_CHECK`` (``POST /api/v2/versions/``): as ``V2``, but a refused or failed check is
  Anitya's JSON string ``"Error when checking for new version: <reason>"``.

The mapping lists, per shape, exactly the errors its endpoints refuse; anything else is not a
refusal, and DRF's handler makes it a 500.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from backends import registry
from backends.base import BackendError, RateLimited
from projects import check, limits, services
from projects.api.inputs import InputError
from projects.bad_input import refusal_for
from projects.representations import instance_json


class ErrorShape(enum.Enum):
    """How a family of endpoints words its errors (see the module's docstring)."""

    V1 = "v1"
    V2 = "v2"
    V2_CHECK = "v2-check"


CHECK_FAILED = "Error when checking for new version: {error}"
#: Anitya's answer to a write without credentials (with ``WWW-Authenticate: Token``).
AUTHENTICATION_REQUIRED = {
    "error": "authentication_required",
    "error_description": "Authentication is required to access this API.",
}
#: The seconds a client is told to wait when an upstream rate limit names no reset time.
UPSTREAM_RETRY_AFTER = 60


class CheckLimited(exceptions.Throttled):
    """A check refused by :mod:`projects.limits`: 429 with ``Retry-After``, and the reason in
    the family's error body (as DRF's rate limits are answered)."""

    def __init__(self, limit: limits.Limited) -> None:
        exceptions.APIException.__init__(self, detail=str(limit))
        self.wait = limit.retry_after


class CheckFailed(Exception):
    """A full check that ran and failed: its result (recorded) says why and, when the upstream
    rate-limited it, until when. Answered as the backend's error would be."""

    def __init__(self, result: check.CheckResult) -> None:
        super().__init__(result.error)
        self.result = result


def notok(error: Any, status: int) -> Response:
    """API v1's error body."""
    return Response({"output": "notok", "error": error}, status=status)


def invalid(error: services.InvalidInput) -> Response:
    """A service's field errors in API v2's shape (Anitya's one JSON-string case included);
    v2 calls the service's ``distro`` ``distribution``."""
    if error.errors == {"version_url": services.REQUIRES_VERSION_URL}:
        return Response(services.REQUIRES_VERSION_URL, status=400)
    renamed = {"distro": "distribution"}
    fields = {renamed.get(field, field): text for field, text in error.errors.items()}
    return Response({"message": dict(sorted(fields.items()))}, status=400)


def upstream_rate_limited(message: str, reset_at: dt.datetime | None) -> Response:
    """429 for a check the upstream rate-limited, with the seconds until its reset."""
    wait = UPSTREAM_RETRY_AFTER
    if reset_at is not None:
        wait = max(1, math.ceil((reset_at - timezone.now()).total_seconds()))
    return Response(
        CHECK_FAILED.format(error=message), status=429, headers={"Retry-After": str(wait)}
    )


# -- the mapping ----------------------------------------------------------------------------


def _v1_answer(exc: Exception) -> Response | None:
    if isinstance(exc, services.ProjectArchived):
        return notok([check.ARCHIVED_ERROR], 400)
    if isinstance(exc, CheckFailed):
        return notok([exc.result.error], 400)
    if isinstance(exc, BackendError):  # an upstream's rate limit included
        return notok([str(exc)], 400)
    return None


def _v2_answer(exc: Exception) -> Response | None:
    if isinstance(exc, InputError):
        return Response(exc.body, status=400)
    if isinstance(exc, services.InvalidInput):
        return invalid(exc)
    if isinstance(exc, registry.UnknownBackend):
        return Response({"message": {"backend": str(exc)}}, status=400)
    if isinstance(exc, services.ProjectExists):
        requested = instance_json(exc.requested, extended=True)
        return Response({"requested_project": requested}, status=409)
    if isinstance(exc, services.MappingClash):
        return Response({"error": "package already exists in distribution"}, status=409)
    if isinstance(
        exc, services.ProjectArchived | services.ProjectCheckFailed | services.DistroNotFound
    ):
        return Response({"error": str(exc)}, status=400)
    return None


def _v2_check_answer(exc: Exception) -> Response | None:
    if isinstance(exc, InputError):
        return Response(exc.body, status=400)
    if isinstance(exc, services.InvalidInput):
        return invalid(exc)
    if isinstance(exc, services.ProjectExists):
        return Response(str(exc), status=409)
    if isinstance(exc, services.ProjectArchived):
        return Response(CHECK_FAILED.format(error=check.ARCHIVED_ERROR), status=400)
    if isinstance(exc, CheckFailed):
        result = exc.result
        if result.outcome is check.Outcome.RATE_LIMITED:
            return upstream_rate_limited(result.error or "", result.reset_at)
        return Response(CHECK_FAILED.format(error=result.error), status=400)
    if isinstance(exc, RateLimited):
        return upstream_rate_limited(str(exc), exc.reset_at)
    if isinstance(exc, BackendError):
        return Response(CHECK_FAILED.format(error=exc), status=400)
    return None


_ANSWERS = {
    ErrorShape.V1: _v1_answer,
    ErrorShape.V2: _v2_answer,
    ErrorShape.V2_CHECK: _v2_check_answer,
}


def refusal_answer(exc: Exception, shape: ErrorShape) -> Response | None:
    """The answer to a refusal of the services, the backends or the API's input checks in
    ``shape``; None when ``exc`` is none of those that family answers."""
    return _ANSWERS[shape](exc)


def drf_error_body(exc: exceptions.APIException, shape: ErrorShape, request: Request) -> Any:
    """The body of an error DRF raised (authentication, rate limit, parse error...) or of a
    check refused by a limit (:class:`CheckLimited`)."""
    if shape is ErrorShape.V1:
        return {"output": "notok", "error": str(exc.detail)}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return AUTHENTICATION_REQUIRED
    if isinstance(exc, exceptions.ParseError):
        if exc.get_codes() == "json_too_deep":
            return {"message": {"json": str(exc.detail)}}
        if "json" in (request.content_type or ""):
            return {"message": {"json": "Invalid JSON body."}}
        return {"message": {"form": str(exc.detail)}}
    code = "rate_limited" if isinstance(exc, exceptions.Throttled) else exc.default_code
    return {"error": code, "error_description": str(exc.detail)}


def handle_exception(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """Every API view's exception handler: bad input (:mod:`projects.bad_input`), then the
    refusals above, then DRF's own errors in the view's shape (``view.error_shape``)."""
    if isinstance(exc, Http404):  # as DRF's own handler converts them
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    refusal = refusal_for(exc)  # a body too large, NUL for PostgreSQL...: not a 500
    if refusal is not None:
        set_rollback()
        return Response({"error": refusal.reason}, status=refusal.status)
    if isinstance(exc, limits.Limited):
        exc = CheckLimited(exc)
    shape: ErrorShape = context["view"].error_shape
    answer = refusal_answer(exc, shape)
    if answer is not None:
        return answer
    response = exception_handler(exc, dict(context))
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = drf_error_body(exc, shape, context["request"])
    return response
