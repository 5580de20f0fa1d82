"""The REST API: v1 (Anitya's legacy shapes) and v2, mounted under ``/api/``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
