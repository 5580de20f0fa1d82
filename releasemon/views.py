"""Site-wide views that belong to no app."""

from __future__ import annotations

from functools import cache

from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

#: The site's icon (releasemon/static/releasemon/favicon.svg drawn at 16, 32 and 48 pixels)
#: for the clients that ask for ``/favicon.ico`` instead of reading the pages' ``<link>``.
FAVICON = "releasemon/favicon.ico"


@cache
def _favicon() -> bytes:
    path = finders.find(FAVICON)
    if not isinstance(path, str):
        raise ImproperlyConfigured(f"The static file {FAVICON} is missing.")
    with open(path, "rb") as file:
        return file.read()


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
