"""The website's URLs: Anitya's (contract §2.1), with and without the trailing slash where
Anitya had both, so that existing links and bookmarks keep working."""

from collections.abc import Callable

from django.http import HttpResponseBase
from django.urls import URLPattern, path

from projects.site import (
    distros,
    editing,
    feeds,
    flags,
    history,
    lists,
    mappings,
    moderation,
    notifications,
    project,
    streams,
    unsubscribe,
    watching,
    watchlist_feed,
)

app_name = "projects"


def both(route: str, view: Callable[..., HttpResponseBase], name: str) -> list[URLPattern]:
    """``route`` and ``route/``; the slashed one carries the name (what the site links to)."""
    return [path(route, view), path(f"{route}/", view, name=name)]


urlpatterns = [
    path("", lists.home, name="home"),
    path("about", lists.about, name="about"),
    path("feed/", feeds.AllVersionsFeed(), name="feed"),
    path("ecosystem/<str:name>/feed/", feeds.EcosystemVersionsFeed(), name="ecosystem_feed"),
    # Projects: lists and searches.
    *both("projects", lists.project_list, "list"),
    *both("projects/updates", lists.project_status_list, "updates"),
    *both("projects/updates/<str:status>", lists.project_status_list, "status"),
    *both("projects/search", lists.project_search, "search"),
    *both("projects/search/<str:pattern>", lists.project_search, "search_pattern"),
    path("projects/similar", editing.similar_projects, name="similar"),
    path("projects/<int:project_id>/", project.project_redirect),
    path("projects/<int:project_id>", project.project_redirect, name="project_redirect"),
    # One project. `new` comes before `<name>` as in Anitya.
    path("project/new", editing.project_new, name="new"),
    *both("project/<int:project_id>", project.project_detail, "project"),
    path("project/<int:project_id>/feed/", feeds.ProjectVersionsFeed(), name="project_feed"),
    path("project/<int:project_id>/edit", editing.project_edit, name="edit"),
    path("project/<int:project_id>/flag", flags.project_flag, name="flag"),
    path("project/<int:project_id>/history", history.project_history, name="history"),
    path(
        "project/<int:project_id>/history/<int:entry_id>/revert",
        history.project_revert,
        name="revert",
    ),
    path("project/<int:project_id>/map", mappings.project_map, name="map"),
    path("project/<int:project_id>/map/<int:package_id>", mappings.project_map, name="map_edit"),
    path("project/<int:project_id>/test-check", project.project_test_check, name="test_check"),
    path("project/<int:project_id>/check", project.project_full_check, name="full_check"),
    path("project/<int:project_id>/streams", streams.project_streams_manage, name="streams"),
    path(
        "project/<int:project_id>/streams/<int:stream_id>",
        streams.project_stream_edit,
        name="stream_edit",
    ),
    path(
        "project/<int:project_id>/streams/<int:stream_id>/delete",
        streams.project_stream_delete,
        name="stream_delete",
    ),
    path(
        "project/<int:project_id>/archive/set/<str:state>",
        moderation.project_archive,
        name="archive",
    ),
    path("project/<int:project_id>/delete", moderation.project_delete, name="delete"),
    path(
        "project/<int:project_id>/delete/versions",
        moderation.versions_delete,
        name="delete_versions",
    ),
    path(
        "project/<int:project_id>/delete/version",
        moderation.version_delete,
        name="delete_version",
    ),
    path(
        "project/<int:project_id>/map/<int:package_id>/delete",
        mappings.mapping_delete,
        name="delete_mapping",
    ),
    *both("project/<str:name>", project.project_by_name, "by_name"),
    # Distros.
    *both("distros", distros.distro_list, "distros"),
    path("distros/<str:name>/", distros.distro_redirect),
    path("distros/<str:name>", distros.distro_redirect, name="distro_redirect"),
    path("distro/add", distros.distro_add, name="distro_add"),
    *both("distro/<str:name>", distros.distro_detail, "distro"),
    path("distro/<str:name>/feed/", feeds.DistroVersionsFeed(), name="distro_feed"),
    path("distro/<str:name>/edit", distros.distro_edit, name="distro_edit"),
    path("distro/<str:name>/delete", distros.distro_delete, name="distro_delete"),
    *both("distro/<str:name>/search", lists.distro_search, "distro_search"),
    *both("distro/<str:name>/search/<str:pattern>", lists.distro_search, "distro_search_pattern"),
    # Signed-in users and administrators.
    path("logs", lists.logs, name="logs"),
    path("flags", flags.flags, name="flags"),
    path("flags/<int:flag_id>/set/<str:state>", flags.flag_set_state, name="flag_set_state"),
    path("users", moderation.users, name="users"),
    # Watching and notifications (signed-in users).
    path("project/<int:project_id>/watch", watching.project_watch, name="watch"),
    path("project/<int:project_id>/unwatch", watching.project_unwatch, name="unwatch"),
    path("distro/<str:name>/watch", watching.distro_watch, name="distro_watch"),
    path("watchlist/", watching.watchlist, name="watchlist"),
    path("watchlist/<int:watch_id>/rules", watching.watch_rules, name="watch_rules"),
    path("watchlist/<int:watch_id>/unwatch", watching.watch_remove, name="watch_remove"),
    path(
        "watchlist/feed/<str:secret>/",
        watchlist_feed.PrivateWatchlistFeed(),
        name="watchlist_feed",
    ),
    path("settings/notifications/feed", watchlist_feed.feed_create, name="feed_create"),
    path("settings/notifications/feed/rotate", watchlist_feed.feed_rotate, name="feed_rotate"),
    path("settings/notifications/feed/remove", watchlist_feed.feed_remove, name="feed_remove"),
    path("settings/notifications/", notifications.notification_settings, name="notifications"),
    path(
        "settings/notifications/email",
        notifications.channel_add_email,
        name="channel_add_email",
    ),
    path(
        "settings/notifications/webhook",
        notifications.channel_add_webhook,
        name="channel_add_webhook",
    ),
    path(
        "settings/notifications/chat",
        notifications.channel_add_chat,
        name="channel_add_chat",
    ),
    path(
        "settings/notifications/<int:channel_id>/test",
        notifications.channel_test,
        name="channel_test",
    ),
    path(
        "settings/notifications/<int:channel_id>/rotate",
        notifications.channel_rotate,
        name="channel_rotate",
    ),
    path(
        "settings/notifications/<int:channel_id>/enable",
        notifications.channel_enable,
        name="channel_enable",
    ),
    path(
        "settings/notifications/<int:channel_id>/disable",
        notifications.channel_disable,
        name="channel_disable",
    ),
    path(
        "settings/notifications/<int:channel_id>/delete",
        notifications.channel_delete,
        name="channel_delete",
    ),
    path(
        "settings/notifications/deliveries/<int:delivery_id>/redeliver",
        notifications.redeliver,
        name="redeliver",
    ),
    path("notifications/unsubscribe/<str:token>/", unsubscribe.page, name="notify_unsubscribe"),
]
