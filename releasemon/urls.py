"""Top-level URLs: the site, the admin, sign-in, and the APIs."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "releasemon administration"
admin.site.site_title = "releasemon admin"
admin.site.index_title = "Moderation"
# The stock index plus the last check run (issue 5).
admin.site.index_template = "admin/releasemon_index.html"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v2/events/", include("messaging.urls")),
    path("api/", include("projects.api.urls")),
    path("", include("accounts.urls")),
    path("", include("projects.urls")),
]
