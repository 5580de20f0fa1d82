"""API v2 routes (mounted at ``/api/v2/``); each also answers without its trailing slash."""

from __future__ import annotations

from django.urls import re_path

from projects.api.v2 import views

urlpatterns = [
    re_path(r"^packages/?$", views.PackagesApi.as_view(), name="v2-packages"),
    re_path(r"^projects/?$", views.ProjectsApi.as_view(), name="v2-projects"),
    re_path(r"^versions/?$", views.VersionsApi.as_view(), name="v2-versions"),
]
