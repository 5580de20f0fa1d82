"""The event log: ``GET /api/v2/events/``, the outbox read in order with a cursor.

A consumer that was down asks for the events after the last id it processed and keeps asking
with ``next_cursor`` while ``has_more`` is true (docs/event-log.md). Public, read only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.models import OutboxMessage
from messaging.topics import TOPICS

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

_created = serializers.DateTimeField()


class EventLogError(Exception):
    def __init__(self, field: str, text: str) -> None:
        super().__init__(text)
        self.field = field
        self.text = text


def _integer(request: Request, name: str, default: int, minimum: int, maximum: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise EventLogError(name, "Not a valid integer.") from None
    if value < minimum:
        raise EventLogError(name, f"Value must be greater than or equal to {minimum}.")
    if maximum is not None and value > maximum:
        raise EventLogError(name, f"Value must be less than or equal to {maximum}.")
    return value


def _event(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "message_id": str(row["message_id"]),
        "topic": row["topic"],
        "created": _created.to_representation(row["created"]),
        "body": row["body"],
    }


def read_events(after: int, limit: int, topic: str | None = None) -> dict[str, Any]:
    """Up to ``limit`` events with an id above ``after``, oldest first, and the next cursor."""
    rows = OutboxMessage.objects.filter(pk__gt=after).order_by("pk")
    if topic:
        rows = rows.filter(topic=topic)
    page = list(rows.values("id", "message_id", "topic", "created", "body")[: limit + 1])
    items = [_event(row) for row in page[:limit]]
    return {
        "items": items,
        "next_cursor": items[-1]["id"] if items else after,
        "has_more": len(page) > limit,
    }


class EventLogView(APIView):
    """Every announced change, in order, for consumers catching up."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="events_list",
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="Return events after this cursor (id)."
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"1..{MAX_LIMIT}, default {DEFAULT_LIMIT}."
            ),
            OpenApiParameter("topic", OpenApiTypes.STR, enum=list(TOPICS)),
        ],
        responses=inline_serializer(
            "EventLogPage",
            {
                "items": serializers.ListField(child=serializers.DictField()),
                "next_cursor": serializers.IntegerField(),
                "has_more": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        try:
            after = _integer(request, "after", 0, 0, None)
            limit = _integer(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
            topic = request.query_params.get("topic") or None
            if topic is not None and topic not in TOPICS:
                raise EventLogError("topic", f"Must be one of: {', '.join(TOPICS)}.")
        except EventLogError as error:
            return Response({"message": {error.field: error.text}}, status=400)
        return Response(read_events(after, limit, topic))
