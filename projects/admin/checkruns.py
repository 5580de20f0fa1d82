"""The checker's cycles, one row each: read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from projects.models import CheckRun


@admin.register(CheckRun)
class CheckRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "ended_at",
        "total_count",
        "success_count",
        "error_count",
        "ratelimit_count",
        "new_version_count",
        "pending_tasks",
    ]
    readonly_fields = list_display
    list_filter = ["started_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
