"""Sign-in, sign-out and the settings page (API tokens)."""

from django.urls import path  # noqa: F401

app_name = "accounts"

urlpatterns: list = []
