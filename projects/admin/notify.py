"""Notifications in the moderation console: the delivery log (with a retry action), the
channels (with their failure counts, switched on and off), the watches and the private
watchlist feeds (revoked with an action), all read-only.

Nothing here writes a row itself: retrying is :func:`projects.notify.delivery.redeliver`,
switching a channel is :func:`projects.notify.services.channel_set_enabled`, revoking a feed
:func:`projects.notify.services.watchlist_feed_remove`, as on the site and the API. Lists
join what they show and skip the full result count, so they stay cheap on millions of
deliveries; a channel's counts are subqueries, run for the rows shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict, TypeVar
from urllib.parse import urlsplit

from django.contrib import admin
from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from accounts.admin_tools import ObjectActionsMixin, object_label, report
from projects.notify import delivery
from projects.notify import services as notify
from projects.notify.models import Channel, Delivery, Watch, WatchlistFeed

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

_ModelT = TypeVar("_ModelT", bound=Model)

_DELIVERY_FIELDS = (
    "created",
    "user",
    "channel",
    "watch",
    "project",
    "event_id",
    "message_id",
    "state",
    "due_at",
    "attempts",
    "last_attempt_at",
    "delivered_at",
    "status_code",
    "latency_ms",
    "response_excerpt",
    "error",
    "payload",
)
# Never the signing secret (its owner's, shown to them once), nor a webhook's whole URL: chat
# services put a credential in its path.
_CHANNEL_FIELDS = (
    "user",
    "kind",
    "name",
    "shown_target",
    "schedule",
    "digest_hour",
    "time_zone",
    "enabled",
    "disabled_reason",
    "failing_since",
    "created",
    "failed_count",
    "sent_count",
)
_WATCH_FIELDS = (
    "user",
    "project",
    "distro",
    "stable_only",
    "min_change",
    "include_pattern",
    "exclude_pattern",
    "stream",
    "hold_hours",
    "created",
)

#: Why a channel an administrator switched off is off (its owner sees it).
DISABLED_BY_ADMIN = "Disabled by an administrator."


class ReadOnlyAdmin(admin.ModelAdmin[_ModelT]):
    """Rows shown, never edited, added or deleted here: their writes are the services'."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _ModelT | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _ModelT | None = None) -> bool:
        return False


def _deliveries(count: int) -> str:
    return f"{count} {'delivery' if count == 1 else 'deliveries'}"


def _channels(count: int) -> str:
    return f"{count} channel{'' if count == 1 else 's'}"


# -- deliveries ---------------------------------------------------------------------------------


@admin.action(description="Retry selected deliveries")
@object_label("Retry now")
def retry_deliveries(
    modeladmin: admin.ModelAdmin[Delivery], request: HttpRequest, queryset: QuerySet[Delivery]
) -> None:
    done: list[str] = []
    for row in queryset.order_by("pk"):
        delivery.redeliver(row)
        modeladmin.log_change(request, row, "Retried")
        done.append(f"#{row.pk}")
    report(
        modeladmin,
        request,
        [f"{_deliveries(len(done))} due again now: {', '.join(done)}."] if done else [],
        [],
        nothing="No delivery to retry.",
    )


@admin.register(Delivery)
class DeliveryAdmin(ObjectActionsMixin[Delivery], ReadOnlyAdmin[Delivery]):
    list_display = [
        "created",
        "user",
        "channel",
        "project",
        "state",
        "attempts",
        "status_code",
        "latency_ms",
    ]
    list_select_related = ["channel__user", "project"]
    list_filter = ["state", "channel__kind", "created"]
    search_fields = ["project__name", "channel__user__email", "channel__user__username"]
    ordering = ["-pk"]
    fields = _DELIVERY_FIELDS
    readonly_fields = _DELIVERY_FIELDS
    actions = [retry_deliveries]
    object_actions = ("retry_deliveries",)
    show_full_result_count = False

    @admin.display(description="User", ordering="channel__user__email")
    def user(self, row: Delivery) -> str:
        return str(row.channel.user)


# -- channels -----------------------------------------------------------------------------------


class _DeliveryCounts(TypedDict):
    failed_count: int
    sent_count: int


def _count_in_state(state: str) -> Coalesce:
    """How many of the channel's deliveries are in ``state`` (a subquery per row shown)."""
    counted = (
        Delivery.objects.filter(channel=OuterRef("pk"), state=state)
        .order_by()
        .values("channel")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _set_enabled(
    modeladmin: admin.ModelAdmin[Channel],
    request: HttpRequest,
    channels: QuerySet[Channel],
    enabled: bool,
) -> None:
    verb = "Enabled" if enabled else "Disabled"
    done: list[str] = []
    for channel in channels.order_by("pk"):
        if notify.channel_set_enabled(channel, enabled, reason=DISABLED_BY_ADMIN):
            modeladmin.log_change(request, channel, verb)
            done.append(f"#{channel.pk}")
    report(
        modeladmin,
        request,
        [f"{verb} {_channels(len(done))}: {', '.join(done)}."] if done else [],
        [],
        nothing=f"The selected channels were already {verb.lower()}.",
    )


@admin.action(description="Enable selected channels")
@object_label("Enable")
def enable_channels(
    modeladmin: admin.ModelAdmin[Channel], request: HttpRequest, queryset: QuerySet[Channel]
) -> None:
    _set_enabled(modeladmin, request, queryset, True)


@admin.action(description="Disable selected channels")
@object_label("Disable")
def disable_channels(
    modeladmin: admin.ModelAdmin[Channel], request: HttpRequest, queryset: QuerySet[Channel]
) -> None:
    _set_enabled(modeladmin, request, queryset, False)


@admin.register(Channel)
class ChannelAdmin(ObjectActionsMixin[Channel], ReadOnlyAdmin[Channel]):
    list_display = [
        "user",
        "kind",
        "name",
        "enabled",
        "failing_since",
        "failed_count",
        "sent_count",
    ]
    list_select_related = ["user"]
    list_filter = ["kind", "enabled", "failing_since"]
    search_fields = ["name", "user__email", "user__username"]
    ordering = ["-pk"]
    fields = _CHANNEL_FIELDS
    readonly_fields = _CHANNEL_FIELDS
    actions = [enable_channels, disable_channels]
    object_actions = ("enable_channels", "disable_channels")
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Channel]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                failed_count=_count_in_state(Delivery.State.FAILED),
                sent_count=_count_in_state(Delivery.State.SENT),
            )
        )

    @admin.display(description="Target")
    def shown_target(self, channel: Channel) -> str:
        if channel.kind != Channel.Kind.WEBHOOK:
            return channel.shown_target
        parts = urlsplit(channel.target)
        return f"{parts.scheme}://{parts.netloc}/…"

    @admin.display(description="Failed deliveries", ordering="failed_count")
    def failed_count(self, channel: WithAnnotations[Channel, _DeliveryCounts]) -> int:
        return channel.failed_count

    @admin.display(description="Sent deliveries", ordering="sent_count")
    def sent_count(self, channel: WithAnnotations[Channel, _DeliveryCounts]) -> int:
        return channel.sent_count


# -- watches ------------------------------------------------------------------------------------


@admin.register(Watch)
class WatchAdmin(ReadOnlyAdmin[Watch]):
    list_display = _WATCH_FIELDS
    list_select_related = ["user", "project", "distro"]
    list_filter = ["stable_only", "min_change"]
    search_fields = ["user__email", "user__username", "project__name", "distro__name"]
    ordering = ["-pk"]
    fields = _WATCH_FIELDS
    readonly_fields = _WATCH_FIELDS
    show_full_result_count = False


# -- private watchlist feeds --------------------------------------------------------------------

#: Never the secret's hash: it opens nothing, but it is nobody's business either.
_FEED_FIELDS = ("user", "created", "last_used")


@admin.action(description="Revoke selected feeds (their URLs stop working)")
@object_label("Revoke")
def revoke_feeds(
    modeladmin: admin.ModelAdmin[WatchlistFeed],
    request: HttpRequest,
    queryset: QuerySet[WatchlistFeed],
) -> None:
    feeds = queryset.select_related("user").order_by("pk")
    if feeds:
        modeladmin.log_deletions(request, feeds)
    done = [str(feed.user) for feed in feeds if notify.watchlist_feed_remove(feed.user)]
    report(
        modeladmin,
        request,
        [f"Revoked the watchlist feed of {', '.join(done)}."] if done else [],
        [],
        nothing="The selected feeds were already revoked.",
    )


@admin.register(WatchlistFeed)
class WatchlistFeedAdmin(ObjectActionsMixin[WatchlistFeed], ReadOnlyAdmin[WatchlistFeed]):
    list_display = _FEED_FIELDS
    list_select_related = ["user"]
    search_fields = ["user__email", "user__username"]
    ordering = ["-pk"]
    fields = _FEED_FIELDS
    readonly_fields = _FEED_FIELDS
    actions = [revoke_feeds]
    object_actions = ("revoke_feeds",)
    show_full_result_count = False
