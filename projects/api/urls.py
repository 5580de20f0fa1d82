"""The REST API, mounted under ``/api/``: v1 (Anitya's legacy shapes), v2, and their docs.

``/api/v2/schema/`` is the OpenAPI 3 schema; ``/api/v2/schema/swagger-ui/`` and
``/api/v2/schema/redoc/`` are interactive pages built from it (served with their assets, no
CDN); ``/api/`` redirects to the first, as Anitya's ``/api`` redirected to its API docs.
"""

from django.urls import include, path, re_path

from projects.api.v1.views import not_found
from projects.api.views import RedocView, SchemaView, SwaggerView, api_root

app_name = "api"

urlpatterns = [
    path("", api_root, name="root"),
    path("v2/schema/", SchemaView.as_view(), name="schema"),
    path("v2/schema/swagger-ui/", SwaggerView.as_view(url_name="api:schema"), name="swagger-ui"),
    path("v2/schema/redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v2/", include("projects.api.v2.urls")),
    path("", include("projects.api.v1.urls")),
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]
