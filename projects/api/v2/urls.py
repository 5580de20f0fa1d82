"""API v2 routes (mounted at ``/api/v2/``); each also answers without its trailing slash."""

from __future__ import annotations

from django.urls import re_path

from projects.api.v2.channels import (
    ChannelApi,
    ChannelsApi,
    ChannelSecretApi,
    ChannelTestApi,
    DeliveriesApi,
    RedeliverApi,
)
from projects.api.v2.edit_preview import ProjectPreviewApi
from projects.api.v2.history import ProjectHistoryApi
from projects.api.v2.packages import PackagesApi
from projects.api.v2.projects import ProjectsApi
from projects.api.v2.purls import PurlLookupApi
from projects.api.v2.streams import ProjectStreamsApi
from projects.api.v2.versions import VersionsApi
from projects.api.v2.watches import WatchApi, WatchesApi

urlpatterns = [
    re_path(r"^packages/?$", PackagesApi.as_view(), name="v2-packages"),
    re_path(r"^projects/?$", ProjectsApi.as_view(), name="v2-projects"),
    re_path(r"^projects/purls/?$", PurlLookupApi.as_view(), name="v2-project-purls"),
    re_path(
        r"^projects/(?P<project_id>[0-9]+)/streams/?$",
        ProjectStreamsApi.as_view(),
        name="v2-project-streams",
    ),
    re_path(
        r"^projects/(?P<project_id>[0-9]+)/preview/?$",
        ProjectPreviewApi.as_view(),
        name="v2-project-preview",
    ),
    re_path(
        r"^projects/(?P<project_id>[0-9]+)/history/?$",
        ProjectHistoryApi.as_view(),
        name="v2-project-history",
    ),
    re_path(r"^versions/?$", VersionsApi.as_view(), name="v2-versions"),
    re_path(r"^watches/?$", WatchesApi.as_view(), name="v2-watches"),
    re_path(r"^watches/(?P<watch_id>[0-9]+)/?$", WatchApi.as_view(), name="v2-watch"),
    re_path(r"^channels/?$", ChannelsApi.as_view(), name="v2-channels"),
    re_path(r"^channels/(?P<channel_id>[0-9]+)/?$", ChannelApi.as_view(), name="v2-channel"),
    re_path(
        r"^channels/(?P<channel_id>[0-9]+)/rotate-secret/?$",
        ChannelSecretApi.as_view(),
        name="v2-channel-rotate-secret",
    ),
    re_path(
        r"^channels/(?P<channel_id>[0-9]+)/test/?$",
        ChannelTestApi.as_view(),
        name="v2-channel-test",
    ),
    re_path(r"^deliveries/?$", DeliveriesApi.as_view(), name="v2-deliveries"),
    re_path(
        r"^deliveries/(?P<delivery_id>[0-9]+)/redeliver/?$",
        RedeliverApi.as_view(),
        name="v2-delivery-redeliver",
    ),
]
