"""Top-level URLs: the site, the admin, sign-in, and the APIs."""

from django.contrib import admin
from django.urls import include, path

from projects.api.views import api_root
from releasemon.operations import views as operations
from releasemon.operations.metrics import metrics
from releasemon.operations.status import status_page
from releasemon.views import admin_view_on_site, favicon

admin.site.site_header = "releasemon administration"
admin.site.site_title = "releasemon admin"
admin.site.index_title = "Moderation"
# The stock index plus the last check run (issue 5).
admin.site.index_template = "admin/releasemon_index.html"

urlpatterns = [
    # Before the admin's own URLs, which would answer it with a 404; staff only.
    path("admin/status/", admin.site.admin_view(status_page), name="admin_status"),
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(admin_view_on_site),
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v2/events/", include("messaging.urls")),
    path("api/", include("projects.api.urls")),
    # Anitya's /api (no slash) redirects to the API docs too, in one hop.
    path("api", api_root),
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", operations.healthz, name="healthz"),
    path("readyz", operations.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("", include("accounts.urls")),
    path("", include("projects.site.urls")),
]
