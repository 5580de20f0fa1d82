"""API v2 routes (mounted at ``/api/v2/``); each also answers without its trailing slash."""

from __future__ import annotations

from django.urls import re_path

from projects.api.v2.packages import PackagesApi
from projects.api.v2.projects import ProjectsApi
from projects.api.v2.versions import VersionsApi

urlpatterns = [
    re_path(r"^packages/?$", PackagesApi.as_view(), name="v2-packages"),
    re_path(r"^projects/?$", ProjectsApi.as_view(), name="v2-projects"),
    re_path(r"^versions/?$", VersionsApi.as_view(), name="v2-versions"),
]
