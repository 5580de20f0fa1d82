"""Users and API tokens in the moderation console: bans and administrators, via the services.

Users are not edited field by field: the only changes are the actions (ban, unban, grant or
revoke admin, delete), each through :mod:`accounts.services` and recorded in the admin log.
Administrators configured in ``ANITYA_WEB_ADMINS`` are protected; trying to demote, ban or
delete one shows why it cannot be done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts import services
from accounts.admin_tools import (
    ObjectActionsMixin,
    ServiceErrorsAsMessages,
    object_label,
    report,
)
from accounts.models import ApiToken, User

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

_TOKEN_INLINE_FIELDS = ("prefix", "description", "created", "last_used")
_USER_FIELDS = (
    "id",
    "email",
    "username",
    "is_active",
    "admin",
    "configured_admin",
    "date_joined",
    "last_login",
)
_TOKEN_FIELDS = ("prefix", "user", "description", "created", "last_used")


class _Counts(TypedDict):
    flag_total: int
    token_total: int


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _acting(request: HttpRequest) -> User | None:
    """The administrator making the change (the admin site lets only signed-in staff in)."""
    return request.user if isinstance(request.user, User) else None


def _apply(
    modeladmin: admin.ModelAdmin[User],
    request: HttpRequest,
    users: Iterable[User],
    change: Callable[[User], bool],
    *,
    verb: str,
    nothing: str,
) -> None:
    """Run ``change(user)`` for each user, log what changed, and report to the administrator."""
    done: list[str] = []
    errors: list[str] = []
    for user in users:
        try:
            changed = change(user)
        except services.AccountError as error:
            errors.append(str(error))
            continue
        if changed:
            modeladmin.log_change(request, user, verb)
            done.append(user.username)
    report(
        modeladmin,
        request,
        [f"{verb}: {', '.join(done)}."] if done else [],
        errors,
        nothing=nothing,
    )


@admin.action(description="Ban selected users")
@object_label("Ban")
def ban_users(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    _apply(
        modeladmin,
        request,
        queryset,
        lambda user: services.user_set_active(user, False, by=_acting(request)),
        verb="Banned",
        nothing="The selected users already were banned.",
    )


@admin.action(description="Unban selected users")
@object_label("Unban")
def unban_users(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    _apply(
        modeladmin,
        request,
        queryset,
        lambda user: services.user_set_active(user, True, by=_acting(request)),
        verb="Unbanned",
        nothing="The selected users were not banned.",
    )


@admin.action(description="Grant admin rights to selected users")
@object_label("Grant admin rights")
def grant_admin(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    _apply(
        modeladmin,
        request,
        queryset,
        lambda user: services.user_set_admin(user, True, by=_acting(request)),
        verb="Granted admin rights",
        nothing="The selected users already were administrators.",
    )


@admin.action(description="Revoke admin rights of selected users")
@object_label("Revoke admin rights")
def revoke_admin(
    modeladmin: admin.ModelAdmin[User], request: HttpRequest, queryset: QuerySet[User]
) -> None:
    _apply(
        modeladmin,
        request,
        queryset,
        lambda user: services.user_set_admin(user, False, by=_acting(request)),
        verb="Revoked admin rights",
        nothing="The selected users were not administrators.",
    )


class ApiTokenInline(admin.TabularInline[ApiToken, User]):
    model = ApiToken
    extra = 0
    fields = _TOKEN_INLINE_FIELDS
    readonly_fields = _TOKEN_INLINE_FIELDS
    can_delete = True

    def has_add_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Secrets are shown once, on the settings page of their owner; never here.
        return False


@admin.register(User)
class UserAdmin(ServiceErrorsAsMessages[User], ObjectActionsMixin[User], admin.ModelAdmin[User]):
    service_errors = (services.AccountError,)
    list_display = [
        "username",
        "email",
        "is_active",
        "admin",
        "configured_admin",
        "flag_count",
        "token_count",
    ]
    list_filter = ["is_active", "admin"]
    search_fields = ["username", "email", "id"]
    fields = _USER_FIELDS
    readonly_fields = _USER_FIELDS
    inlines = [ApiTokenInline]
    actions = [ban_users, unban_users, grant_admin, revoke_admin]
    object_actions = ("ban_users", "unban_users", "grant_admin", "revoke_admin")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people sign up or sign in with a provider

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                flag_total=Count("flags", distinct=True),
                token_total=Count("api_tokens", distinct=True),
            )
        )

    @admin.display(description="Flags", ordering="flag_total")
    def flag_count(self, user: WithAnnotations[User, _Counts]) -> int:
        return user.flag_total

    @admin.display(description="Tokens", ordering="token_total")
    def token_count(self, user: WithAnnotations[User, _Counts]) -> int:
        return user.token_total

    @admin.display(description="Admin by configuration", boolean=True)
    def configured_admin(self, user: User) -> bool:
        return user.is_configured_admin

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Tokens ticked for deletion are deleted through the service; nothing else changes."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for token_form in formset.deleted_forms:
            token = token_form.instance
            if token.pk is not None:
                services.token_delete(token.pk)
                formset.deleted_objects.append(token)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(obj, by=_acting(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_delete(user, by=_acting(request))

    def get_deleted_objects(
        self, objs: Sequence[User] | QuerySet[User], request: HttpRequest
    ) -> tuple[list[str], dict[str, int], set[str], list[str]]:
        users = User.objects.filter(pk__in=[user.pk for user in objs]).annotate(
            token_total=Count("api_tokens", distinct=True),
            flag_total=Count("flags", distinct=True),
        )
        items = [
            f"User {user.username} <{user.email}>: {_plural(user.token_total, 'API token')} "
            f"deleted; {_plural(user.flag_total, 'flag')} kept without an author"
            for user in users
        ]
        protected = [
            f"{user}: administrator by configuration (ANITYA_WEB_ADMINS)"
            for user in users
            if user.is_configured_admin
        ] + [f"{user}: yourself" for user in users if user.pk == request.user.pk]
        counts = {"users": len(items), "API tokens": sum(user.token_total for user in users)}
        return items, counts, set(), protected


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = _TOKEN_FIELDS
    list_select_related = ["user"]
    search_fields = ["prefix", "user__email", "description"]
    readonly_fields = _TOKEN_FIELDS
    fields = _TOKEN_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ApiToken) -> None:
        services.token_delete(obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        services.tokens_delete(queryset)
