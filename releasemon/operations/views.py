"""``/healthz``, ``/readyz`` (and ``/metrics``, see :mod:`~releasemon.operations.metrics`).

Both answer JSON and are never cached. ``/healthz`` touches nothing (no database, no cache):
it says the process serves requests, for a liveness probe. ``/readyz`` judges every part
(:mod:`~releasemon.operations.readiness`) and answers 503 naming the failing ones.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from releasemon.operations.readiness import readiness


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    report = readiness()
    return JsonResponse(report.as_json(), status=503 if report.failing else 200)
