"""Mounted by the project at ``api/v2/events/``: ``path("api/v2/events/", include(...))``."""

from django.urls import path

from messaging.api import EventLogView

app_name = "messaging"

urlpatterns = [
    path("", EventLogView.as_view(), name="event-log"),
]
