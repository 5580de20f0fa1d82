"""The website's URLs: Anitya's (contract §2.1), with and without the trailing slash where
Anitya had both, so that existing links and bookmarks keep working."""

from django.urls import path

from projects import feeds, views

app_name = "projects"


def both(route: str, view: object, name: str) -> list:
    """``route`` and ``route/``; the slashed one carries the name (what the site links to)."""
    return [path(route, view), path(f"{route}/", view, name=name)]


urlpatterns = [
    path("", views.home, name="home"),
    path("about", views.about, name="about"),
    path("feed/", feeds.AllVersionsFeed(), name="feed"),
    path("ecosystem/<str:name>/feed/", feeds.EcosystemVersionsFeed(), name="ecosystem_feed"),
    # Projects: lists and searches.
    *both("projects", views.project_list, "list"),
    *both("projects/updates", views.project_status_list, "updates"),
    *both("projects/updates/<str:status>", views.project_status_list, "status"),
    *both("projects/search", views.project_search, "search"),
    *both("projects/search/<str:pattern>", views.project_search, "search_pattern"),
    path("projects/similar", views.similar_projects, name="similar"),
    path("projects/<int:project_id>/", views.project_redirect),
    path("projects/<int:project_id>", views.project_redirect, name="project_redirect"),
    # One project. `new` comes before `<name>` as in Anitya.
    path("project/new", views.project_new, name="new"),
    *both("project/<int:project_id>", views.project_detail, "project"),
    path("project/<int:project_id>/feed/", feeds.ProjectVersionsFeed(), name="project_feed"),
    path("project/<int:project_id>/edit", views.project_edit, name="edit"),
    path("project/<int:project_id>/flag", views.project_flag, name="flag"),
    path("project/<int:project_id>/map", views.project_map, name="map"),
    path("project/<int:project_id>/map/<int:package_id>", views.project_map, name="map_edit"),
    path("project/<int:project_id>/test-check", views.project_test_check, name="test_check"),
    path("project/<int:project_id>/check", views.project_full_check, name="full_check"),
    path(
        "project/<int:project_id>/archive/set/<str:state>",
        views.project_archive,
        name="archive",
    ),
    path("project/<int:project_id>/delete", views.project_delete, name="delete"),
    path(
        "project/<int:project_id>/delete/versions",
        views.versions_delete,
        name="delete_versions",
    ),
    path("project/<int:project_id>/delete/version", views.version_delete, name="delete_version"),
    path(
        "project/<int:project_id>/map/<int:package_id>/delete",
        views.mapping_delete,
        name="delete_mapping",
    ),
    *both("project/<str:name>", views.project_by_name, "by_name"),
    # Distros.
    *both("distros", views.distro_list, "distros"),
    path("distros/<str:name>/", views.distro_redirect),
    path("distros/<str:name>", views.distro_redirect, name="distro_redirect"),
    path("distro/add", views.distro_add, name="distro_add"),
    *both("distro/<str:name>", views.distro_detail, "distro"),
    path("distro/<str:name>/feed/", feeds.DistroVersionsFeed(), name="distro_feed"),
    path("distro/<str:name>/edit", views.distro_edit, name="distro_edit"),
    path("distro/<str:name>/delete", views.distro_delete, name="distro_delete"),
    *both("distro/<str:name>/search", views.distro_search, "distro_search"),
    *both("distro/<str:name>/search/<str:pattern>", views.distro_search, "distro_search_pattern"),
    # Signed-in users and administrators.
    path("logs", views.logs, name="logs"),
    path("flags", views.flags, name="flags"),
    path("flags/<int:flag_id>/set/<str:state>", views.flag_set_state, name="flag_set_state"),
    path("users", views.users, name="users"),
]
