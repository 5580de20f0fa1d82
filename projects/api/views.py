"""What every API view shares: Anitya's bodies, rate limits, conditional GETs, the docs link.

v1 and v2 views derive from :class:`ApiView` and only say how their errors look
(:attr:`ApiView.error_shape`; ``errors.py`` answers them). On top of DRF, every view:

- answers JSON with sorted keys (``rendering.py``), and the browsable API to browsers;
- counts requests per token or address (``throttling.py``) and says so in
  ``X-RateLimit-*`` headers;
- gives GET answers an ``ETag`` (a hash of the body) and, where a view knows when its answer
  last changed, a ``Last-Modified``; ``If-None-Match`` / ``If-Modified-Since`` then get 304.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.api.drf import GenericAPIView
from projects.api.errors import ErrorShape, handle_exception
from projects.api.rendering import (
    JSON_OR_FORM,
    AnityaJSONRenderer,
    BrowsableAPIRenderer,
    LenientContentNegotiation,
    PlainTextRenderer,
)
from projects.api.throttling import ApiRateThrottle
from projects.representations import RawJSON, dumps, etag_of


@csrf_exempt  # another method gets the JSON 405 below, not the site's "CSRF failed" page
def api_root(request: HttpRequest) -> HttpResponse:
    """``/api``: Anitya redirected to its HTML API docs; ours are the interactive pages."""
    if request.method not in ("GET", "HEAD"):
        error = {"output": "notok", "error": f'Method "{request.method}" not allowed.'}
        response = HttpResponse(dumps(error), status=405, content_type="application/json")
        response["Allow"] = "GET, HEAD"
        return response
    return HttpResponseRedirect(reverse("api:swagger-ui"))


class JsonErrors(APIView):
    """For the API's docs views (drf-spectacular's): their errors, a wrong method above all,
    are JSON in v2's shape, whatever format their pages have (YAML, HTML)."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, exceptions.APIException):
            response.data = {"error": exc.default_code, "error_description": str(exc.detail)}
            self.request.accepted_renderer = AnityaJSONRenderer()
            self.request.accepted_media_type = "application/json"
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
    filter_backends = []
    pagination_class = None

    #: When the answer last changed, if the view knows (sets Last-Modified).
    last_modified: Any = None

    #: How the view's errors look (:mod:`projects.api.errors`).
    error_shape: ErrorShape

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return handle_exception

    def check_throttles(self, request: Request) -> None:
        self.applied_throttles = []
        waits = []
        # The cached lane (projects/api/cached_lane.py) counted the request already.
        counted = getattr(request, "counted_throttle", None)
        for throttle in [counted] if counted is not None else self.get_throttles():
            self.applied_throttles.append(throttle)
            if not throttle.allow_request(request, self):
                waits.append(throttle.wait())
        if waits:
            known = [wait for wait in waits if wait is not None]
            raise exceptions.Throttled(max(known) if known else None)

    # DRF's dispatch sends on any HttpResponseBase this returns (here a 304, Django's
    # HttpResponseNotModified); the stubs say Response.
    def finalize_response(  # type: ignore[override]
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)
        finished: HttpResponseBase = response
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            finished = self._conditional(request, response)
        for throttle in getattr(self, "applied_throttles", []):
            for name, value in throttle.headers().items():
                finished[name] = value
        return finished

    def _conditional(self, request: Request, response: Response) -> HttpResponseBase:
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
        conditional = get_conditional_response(
            request, etag=response["ETag"], last_modified=last_modified, response=response
        )
        return conditional if conditional is not None else response
