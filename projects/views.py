"""The website's views: thin, reading through selectors and writing through services."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from projects import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "projects/home.html",
        {
            "project_count": selectors.tracked_project_count(),
            "latest_releases": selectors.latest_releases(),
        },
    )
