"""The event log mounted where the project mounts it (releasemon/urls.py)."""

from django.urls import include, path

urlpatterns = [path("api/v2/events/", include("messaging.urls"))]
