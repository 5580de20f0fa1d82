"""The outbox in the admin: what is pending, sent or failed, and a way to retry now."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.text import Truncator

from messaging import outbox
from messaging.models import OutboxMessage
from messaging.topics import TOPICS

_DETAIL_FIELDS = (
    "topic",
    "message_id",
    "created",
    "state_label",
    "attempts",
    "sent_at",
    "next_attempt_at",
    "last_error",
    "pretty_body",
    "pretty_headers",
)


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("pending", "Pending"),
            ("failed", "Failed (pending, with an error)"),
            ("sent", "Sent"),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "failed":
            return queryset.filter(sent_at__isnull=True).exclude(last_error="")
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


class TopicFilter(admin.SimpleListFilter):
    title = "topic"
    parameter_name = "topic"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(topic, topic) for topic in TOPICS]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        return queryset.filter(topic=self.value()) if self.value() else queryset


def _pretty(value: Any) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True))


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = ["id", "topic", "state_label", "attempts", "created", "sent_at", "error"]
    list_filter = [StateFilter, TopicFilter]
    search_fields = ["=message_id"]
    ordering = ["-id"]
    actions = ["retry_now"]
    list_per_page = 100
    show_full_result_count = False
    fields = _DETAIL_FIELDS
    readonly_fields = _DETAIL_FIELDS

    @admin.display(description="state")
    def state_label(self, obj: OutboxMessage) -> str:
        return obj.state

    @admin.display(description="last error")
    def error(self, obj: OutboxMessage) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.display(description="body")
    def pretty_body(self, obj: OutboxMessage) -> str:
        return _pretty(obj.body)

    @admin.display(description="headers")
    def pretty_headers(self, obj: OutboxMessage) -> str:
        return _pretty(obj.headers)

    @admin.action(description="Retry selected pending messages now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.retry_now(queryset)
        self.message_user(
            request,
            f"{count} pending message(s) will be retried on the next relay run.",
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        counts = {
            "pending": OutboxMessage.objects.pending().count(),
            "failed": OutboxMessage.objects.failed().count(),
            "sent": OutboxMessage.objects.sent().count(),
        }
        context = {**(extra_context or {}), "outbox_counts": counts}
        return super().changelist_view(request, extra_context=context)
