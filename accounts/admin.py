"""Users and API tokens in the admin (moderation actions come with the accounts issue)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.models import ApiToken, User


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    fields = ["prefix", "description", "created", "last_used"]
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Secrets are shown once, on the settings page of their owner; never here.
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "email", "is_active", "admin", "flag_count", "token_count"]
    list_filter = ["is_active", "admin"]
    search_fields = ["username", "email", "id"]
    readonly_fields = ["id", "date_joined", "last_login"]
    fields = ["id", "email", "username", "is_active", "admin", "date_joined", "last_login"]
    inlines = [ApiTokenInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                flag_total=Count("flags", distinct=True),
                token_total=Count("api_tokens", distinct=True),
            )
        )

    @admin.display(description="Flags", ordering="flag_total")
    def flag_count(self, user: User) -> int:
        return user.flag_total  # type: ignore[attr-defined]

    @admin.display(description="Tokens", ordering="token_total")
    def token_count(self, user: User) -> int:
        return user.token_total  # type: ignore[attr-defined]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "description", "created", "last_used"]
    list_select_related = ["user"]
    search_fields = ["prefix", "user__email", "description"]
    readonly_fields = ["prefix", "user", "created", "last_used"]
    fields = ["prefix", "user", "description", "created", "last_used"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
