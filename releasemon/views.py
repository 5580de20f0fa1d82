"""Site-wide views that belong to no app."""

from __future__ import annotations

from functools import cache

from django.contrib.contenttypes.views import shortcut
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
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


def admin_view_on_site(request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
    """The admin's "View on site" redirect (``/admin/r/<type>/<id>/``), with a 404 for an id
    its model cannot take: Django's own view turns a ValueError into a 404 but lets the
    ValidationError of a UUID key through as a 500 (``/admin/r/<a user type>/17/``)."""
    try:
        return shortcut(request, content_type_id, object_id)
    except ValidationError:
        raise Http404("No such object.") from None
