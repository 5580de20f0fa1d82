"""The GitHub token pool: each token's label, kind and last known budgets, read-only.

The secret is on no page: personal tokens are not stored at all, and the App's sealed
installation token is left out of the list, the detail page and every form.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from projects.models import GitHubPoolEntry

_COLUMNS = (
    "label",
    "kind",
    "graphql_remaining",
    "graphql_limit",
    "graphql_reset_at",
    "core_remaining",
    "core_limit",
    "core_reset_at",
    "refused_at",
    "last_error",
    "updated_on",
)


@admin.register(GitHubPoolEntry)
class GitHubPoolEntryAdmin(admin.ModelAdmin[GitHubPoolEntry]):
    list_display = _COLUMNS
    fields = _COLUMNS
    readonly_fields = _COLUMNS
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
