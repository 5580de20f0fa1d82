"""The cached lane: anonymous GETs of single-project answers, straight from the answer cache.

A cached single-project answer (``/api/project/<id>``, ``/api/project/<distro>/<package>``,
``/api/by_ecosystem/<ecosystem>/<name>``, ``/api/v2/versions/?project_id=``) costs a stamp
read and a throttle count; sending it through the whole stack cost three times that in
Python: eight more middlewares (sessions, CSRF, authentication, messages, allauth...) that
find nothing to do for a client with no cookie and no token, then DRF's dispatch (request
wrapping, authentication, content negotiation, rendering), for a body that is already bytes.

This middleware, placed after the request id, metrics, security headers and the bad-input
refusal, answers such a request itself when it can be sure the full path would answer the
same: a GET with no ``Authorization``, no cookie, no conditional header, an ``Accept`` that
negotiates plain JSON and no ``format`` override, to a route whose view has a
``cached_answer(request, **kwargs)`` (the very function the view's ``get`` answers with).
The answer carries the headers the full path adds. The request is counted against the
anonymous rate limit as the view would count it. Anything else (an error, a 404, a refusal,
an unusual request) goes the full path, with the count it already made.
tests/projects/api/test_cached_lane.py compares the two paths' answers header by header.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, ResolverMatch, resolve

from projects.api.throttling import ApiRateThrottle
from projects.representations.answer_cache import RawJSON

#: The paths of the routes whose views answer from the cache (a cheap first filter).
PREFIXES = ("/api/project/", "/api/by_ecosystem/", "/api/v2/versions")
#: ``Accept`` headers that DRF's negotiation answers with compact JSON.
PLAIN_JSON = frozenset({"", "*/*", "application/json"})
#: Headers that make the full path do more than send the cached body.
FULL_PATH_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_IF_NONE_MATCH",
                     "HTTP_IF_MODIFIED_SINCE")  # fmt: skip


class CachedLane:
    """Middleware: answer eligible requests from the answer cache (see the module's text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not _eligible(request):
            return self.get_response(request)
        try:
            match = _resolved(request.path_info)
        except Resolver404:
            return self.get_response(request)
        view = getattr(match.func, "view_class", None)
        cached_answer = getattr(view, "cached_answer", None)
        if view is None or cached_answer is None:
            return self.get_response(request)
        throttle = ApiRateThrottle()

        def counted_answer() -> RawJSON | None:
            if not throttle.allow_anonymous(request):
                return None
            answer: RawJSON | None = cached_answer(request, **match.kwargs)
            return answer

        answer = _without_health_check(counted_answer)
        if answer is None:
            # For ApiView.check_throttles: the request was counted (an added attribute).
            request.counted_throttle = throttle  # type: ignore[attr-defined]
            return self.get_response(request)
        request.resolver_match = match
        response = HttpResponse(answer.content, content_type="application/json")
        # As the full path's: DRF's negotiation reads Accept, the middlewares the session.
        response["Vary"] = "Accept, Cookie"
        response["Allow"] = _allowed_methods(view)
        if answer.etag is not None:
            response["ETag"] = answer.etag
        if answer.last_modified_http is not None:
            response["Last-Modified"] = answer.last_modified_http
        for name, value in throttle.headers().items():
            response[name] = value
        response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        response["Content-Length"] = str(len(answer.content))
        return response


def _without_health_check(read: Callable[[], RawJSON | None]) -> RawJSON | None:
    """``read()``, the request's first statements, without the health check Django runs
    before them (``CONN_HEALTH_CHECKS``: a ``SELECT 1`` on the kept connection, 0.1 ms of
    the lane's 0.36 ms per request). Should the connection have been dropped meanwhile (a
    PostgreSQL restart), they fail at once: it is then replaced and ``read`` runs once more,
    so no one gets an error page, as with the check. Any other error is the caller's; with
    no answer, the full path that follows gets the check as usual."""
    # django-stubs does not know health_check_done (Django 4.1).
    database: Any = connection
    if database.connection is None or database.health_check_done:
        return read()
    database.health_check_done = True
    try:
        answer = read()
    except DatabaseError:
        if database.in_atomic_block or database.is_usable():
            raise
        database.close()
        return read()
    if answer is None:
        database.health_check_done = False
    return answer


def _eligible(request: HttpRequest) -> bool:
    if request.method != "GET" or not request.path_info.startswith(PREFIXES):
        return False
    meta = request.META
    if any(meta.get(name) for name in FULL_PATH_HEADERS):
        return False
    if meta.get("HTTP_ACCEPT", "").strip() not in PLAIN_JSON:
        return False
    query = meta.get("QUERY_STRING", "")
    if not query or ("format" not in query and "%" not in query):
        # No name can decode to "format" (only "+" changes unescaped): request.GET, a
        # QueryDict to build, is not needed to know it.
        return True
    return "format" not in request.GET


@functools.lru_cache(maxsize=4096)
def _resolved(path: str) -> ResolverMatch:
    """``resolve(path)``, remembered for the paths asked most (a quarter of the lane's time
    went to walking the URL patterns). A match is never changed once made; a path that
    resolves to nothing raises again each time."""
    return resolve(path)


@functools.cache
def _allowed_methods(view: type[Any]) -> str:
    instance = view()
    instance.setup(HttpRequest())  # Django's: a view with GET answers HEAD too
    return ", ".join(instance.allowed_methods)
