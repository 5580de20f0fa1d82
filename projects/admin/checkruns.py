"""The checker's cycles, one row each: read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from projects.models import CheckRun

_COLUMNS = (
    "started_at",
    "ended_at",
    "total_count",
    "success_count",
    "error_count",
    "ratelimit_count",
    "new_version_count",
    "pending_tasks",
)


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin[CheckRun]):
    list_display = _COLUMNS
    readonly_fields = _COLUMNS
    list_filter = ["started_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
