"""API v1 routes, each with and without a trailing slash as in Anitya (mounted at ``/api/``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponseBase
from django.urls import URLPattern, path, re_path

from projects.api.v1 import views


def both(route: str, view: Callable[..., HttpResponseBase], name: str) -> list[URLPattern]:
    """``route`` and ``route/``: Anitya answers both spellings."""
    return [path(route, view, name=name), path(route + "/", view, name=name + "-slash")]


urlpatterns = [
    *both("version", views.VersionApi.as_view(), "v1-version"),
    *both("version/get", views.VersionGetApi.as_view(), "v1-version-get"),
    *both("projects", views.ProjectsApi.as_view(), "v1-projects"),
    *both("projects/names", views.ProjectNamesApi.as_view(), "v1-project-names"),
    *both("packages/wiki", views.PackagesWikiApi.as_view(), "v1-packages-wiki"),
    *both("distro/names", views.DistroNamesApi.as_view(), "v1-distro-names"),
    # Any single segment: an id that is not a number is "no such project" (JSON), not an
    # HTML page.
    *both("project/<str:project_id>", views.ProjectApi.as_view(), "v1-project"),
    # The package is the rest of the path, any character included (a trailing slash too: the
    # view strips it, as Anitya does).
    re_path(
        r"^project/(?P<distro>[^/]+)/(?P<package_name>[\s\S]+)$",
        views.ProjectByPackageApi.as_view(),
        name="v1-project-by-package",
    ),
    *both(
        "by_ecosystem/<str:ecosystem>/<str:project_name>",
        views.ProjectByEcosystemApi.as_view(),
        "v1-project-by-ecosystem",
    ),
]
