"""What every API view shares: Anitya's bodies, rate limits, conditional GETs, the docs link.

v1 and v2 views derive from :class:`ApiView` and only say how their errors look
(:meth:`ApiView.error_body`). On top of DRF, every view:

- answers JSON with sorted keys (``rendering.py``), and the browsable API to browsers;
- counts requests per token or address (``throttling.py``) and says so in
  ``X-RateLimit-*`` headers;
- gives GET answers an ``ETag`` (a hash of the body) and, where a view knows when its answer
  last changed, a ``Last-Modified``; ``If-None-Match`` / ``If-Modified-Since`` then get 304.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from projects import limits
from projects.api.rendering import (
    JSON_OR_FORM,
    AnityaJSONRenderer,
    BrowsableAPIRenderer,
    LenientContentNegotiation,
    PlainTextRenderer,
)
from projects.api.representations import RawJSON, dumps, etag_of
from projects.api.throttling import ApiRateThrottle
from projects.bad_input import refusal_for

#: Anitya's answer to a write without credentials (with ``WWW-Authenticate: Token``).
AUTHENTICATION_REQUIRED = {
    "error": "authentication_required",
    "error_description": "Authentication is required to access this API.",
}


class CheckLimited(exceptions.Throttled):
    """A check refused by :mod:`projects.limits`: 429 with ``Retry-After``, and the reason in
    the endpoint family's error body (:meth:`ApiView.error_body`, as for the rate limits)."""

    def __init__(self, limit: limits.Limited) -> None:
        exceptions.APIException.__init__(self, detail=str(limit))
        self.wait = limit.retry_after


@csrf_exempt  # another method gets the JSON 405 below, not the site's "CSRF failed" page
def api_root(request: HttpRequest) -> HttpResponse:
    """``/api``: Anitya redirected to its HTML API docs; ours are the interactive pages."""
    if request.method not in ("GET", "HEAD"):
        error = {"output": "notok", "error": f'Method "{request.method}" not allowed.'}
        response = HttpResponse(dumps(error), status=405, content_type="application/json")
        response["Allow"] = "GET, HEAD"
        return response
    return HttpResponseRedirect(reverse("api:swagger-ui"))


class JsonErrors:
    """For the API's docs views (drf-spectacular's): their errors, a wrong method above all,
    are JSON in v2's shape, whatever format their pages have (YAML, HTML)."""

    def handle_exception(self, exc: Exception) -> HttpResponse:
        response = super().handle_exception(exc)  # type: ignore[misc]
        if isinstance(exc, exceptions.APIException) and isinstance(response, Response):
            response.data = {"error": exc.default_code, "error_description": str(exc.detail)}
            self.request.accepted_renderer = AnityaJSONRenderer()  # type: ignore[attr-defined]
            self.request.accepted_media_type = "application/json"  # type: ignore[attr-defined]
        return response


class SchemaView(JsonErrors, SpectacularAPIView):
    pass


class SwaggerView(JsonErrors, SpectacularSwaggerView):
    pass


class RedocView(JsonErrors, SpectacularRedocView):
    pass


class WritesNeedUser(BasePermission):
    """Reads are public; writes need an API token or a signed-in session (with CSRF)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class ApiView(GenericAPIView):
    renderer_classes = [AnityaJSONRenderer, BrowsableAPIRenderer]
    parser_classes = JSON_OR_FORM
    content_negotiation_class = LenientContentNegotiation
    throttle_classes = [ApiRateThrottle]
    permission_classes = [AllowAny]
    filter_backends: list = []
    pagination_class = None

    #: When the answer last changed, if the view knows (sets Last-Modified).
    last_modified: Any = None

    def error_body(self, exc: exceptions.APIException) -> Any:
        """The body of an error DRF raised (authentication, rate limit, parse error...)."""
        raise NotImplementedError

    def get_exception_handler(self) -> Callable[[Exception, dict], Response | None]:
        def handle(exc: Exception, context: dict) -> Response | None:
            if isinstance(exc, Http404):  # as DRF's own handler converts them
                exc = exceptions.NotFound()
            elif isinstance(exc, DjangoPermissionDenied):
                exc = exceptions.PermissionDenied()
            refusal = refusal_for(exc)  # a body too large, NUL for PostgreSQL...: not a 500
            if refusal is not None:
                set_rollback()
                return Response({"error": refusal.reason}, status=refusal.status)
            response = exception_handler(exc, context)
            if response is not None and isinstance(exc, exceptions.APIException):
                response.data = self.error_body(exc)
            return response

        return handle

    def check_throttles(self, request: Request) -> None:
        self.applied_throttles = []
        waits = []
        for throttle in self.get_throttles():
            self.applied_throttles.append(throttle)
            if not throttle.allow_request(request, self):
                waits.append(throttle.wait())
        if waits:
            known = [wait for wait in waits if wait is not None]
            self.throttled(request, max(known) if known else None)

    def finalize_response(
        self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response = self._conditional(request, response)
        for throttle in getattr(self, "applied_throttles", []):
            for name, value in throttle.headers().items():
                response[name] = value
        return response

    def _conditional(self, request: Request, response: HttpResponse) -> HttpResponse:
        if getattr(response, "streaming", False):
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        patch_vary_headers(response, ("Accept",))
        data = getattr(response, "data", None)
        renderer = getattr(response, "accepted_renderer", None)
        verbatim = isinstance(renderer, AnityaJSONRenderer | PlainTextRenderer)
        if isinstance(data, RawJSON) and data.etag and verbatim:
            response["ETag"] = data.etag  # a cached answer: hashed once, when built
        else:
            response["ETag"] = etag_of(response.content)
        last_modified = None
        if self.last_modified is not None:
            last_modified = int(self.last_modified.timestamp())
            response["Last-Modified"] = http_date(last_modified)
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=last_modified, response=response
        )
