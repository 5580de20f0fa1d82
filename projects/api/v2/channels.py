"""API v2's channels (where the caller is told: e-mail or a signed webhook) and their delivery
log, with test pings and redelivery.

As for watches (:mod:`projects.api.v2.watches`): credentials on every method, the caller's rows
only (another user's id is a 404), writes through :mod:`projects.notify.services` and
:mod:`projects.notify.delivery`, refusals through :mod:`projects.api.errors`. A webhook's
signing secret is in two answers only: the channel's creation and a rotation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from projects.api import inputs, schema
from projects.api.drf import Serializer
from projects.api.inputs import AnityaInput, Boolean, InputError, Integer, Text
from projects.api.v2.common import PAGE_PARAMETERS
from projects.api.v2.watches import TAG, OwnView, id_parameter, own_row, paged, stamp
from projects.notify import delivery, selectors
from projects.notify import services as notify
from projects.notify.models import Channel, Delivery

#: The longest time zone name accepted (the model's column; IANA names are far shorter).
TIME_ZONE_MAX_LENGTH = 64
UNKNOWN_STATE = "Choose one of: {states}."


# -- what goes in and out -----------------------------------------------------------------------


class ChannelCreateInput(AnityaInput):
    """Add a channel. A webhook's answer carries its signing secret, this once."""

    kind = Text(help_text=f"One of: {', '.join(Channel.Kind.values)}.")
    name = Text(help_text="Your name for it, unique among your channels (at most 100 chars).")
    target = Text(
        help_text="The e-mail address, the webhook's http(s) URL, or for chat an Apprise URL "
        "(slack://, discord://, matrixs://, tgram://, workflows://, mmosts://, ntfys://, "
        "gotifys://, ...; shown again with its tokens masked)."
    )
    schedule = Text(
        required=False,
        help_text=f"One of: {', '.join(Channel.Schedule.values)} (default immediate); "
        "digests are for e-mail only.",
    )
    digest_hour = Integer(required=False, help_text="0..23: when digests leave (default 8).")
    time_zone = Text(
        required=False,
        max_length=TIME_ZONE_MAX_LENGTH,
        help_text="An IANA time zone for the digest hour (default UTC).",
    )


class ChannelEditInput(AnityaInput):
    """Switch a channel on or off (on again forgets its past failures)."""

    enabled = Boolean(required=False)


class NoBody(AnityaInput):
    """Nothing to send (a field sent is refused as unknown)."""


class ChannelJSON(Serializer):
    """A channel (describes the answers; the secret never appears here)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Channel.Kind.values)
    name = serializers.CharField()
    target = serializers.CharField(help_text="A chat channel's Apprise URL comes masked.")
    schedule = serializers.ChoiceField(choices=Channel.Schedule.values)
    digest_hour = serializers.IntegerField()
    time_zone = serializers.CharField()
    enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField(allow_blank=True)
    failing_since = serializers.CharField(
        allow_null=True, help_text="Since when every attempt failed (ISO 8601, UTC)."
    )
    created = serializers.CharField(help_text="ISO 8601, UTC.")


class CreatedChannel(ChannelJSON):
    secret = serializers.CharField(
        required=False, help_text="Webhooks only: the `whsec_` signing secret, shown this once."
    )


class ChannelPage(Serializer):
    items = ChannelJSON(many=True)
    items_per_page = serializers.IntegerField()
    page = serializers.IntegerField()
    total_items = serializers.IntegerField()


class SecretJSON(Serializer):
    secret = serializers.CharField(help_text="The new `whsec_` signing secret, shown this once.")


class DeliveryJSON(Serializer):
    """One event sent (or to be sent) to one channel for one watch; a test a person asked
    for has neither watch nor project (null)."""

    id = serializers.IntegerField()
    channel_id = serializers.IntegerField()
    channel_name = serializers.CharField()
    watch_id = serializers.IntegerField(allow_null=True)
    project_id = serializers.IntegerField(allow_null=True)
    project_name = serializers.CharField(allow_null=True)
    event_id = serializers.IntegerField(help_text="The event log's id of the event.")
    message_id = serializers.CharField(help_text="The webhook id: the idempotency key.")
    state = serializers.ChoiceField(choices=Delivery.State.values)
    attempts = serializers.IntegerField()
    due_at = serializers.CharField(help_text="Not sent before (ISO 8601, UTC).")
    last_attempt_at = serializers.CharField(allow_null=True)
    delivered_at = serializers.CharField(allow_null=True)
    status_code = serializers.IntegerField(allow_null=True, help_text="The receiver's answer.")
    latency_ms = serializers.IntegerField(allow_null=True)
    response_excerpt = serializers.CharField(allow_blank=True)
    error = serializers.CharField(allow_blank=True)
    created = serializers.CharField()
    payload = serializers.JSONField(help_text="What is sent, frozen at fan-out.")


class DeliveryPage(Serializer):
    items = DeliveryJSON(many=True)
    items_per_page = serializers.IntegerField()
    page = serializers.IntegerField()
    total_items = serializers.IntegerField()


def channel_json(channel: Channel) -> dict[str, Any]:
    return {
        "id": channel.pk,
        "kind": channel.kind,
        "name": channel.name,
        "target": channel.shown_target,
        "schedule": channel.schedule,
        "digest_hour": channel.digest_hour,
        "time_zone": channel.time_zone,
        "enabled": channel.enabled,
        "disabled_reason": channel.disabled_reason,
        "failing_since": stamp(channel.failing_since),
        "created": stamp(channel.created),
    }


def delivery_json(sent: Delivery) -> dict[str, Any]:
    return {
        "id": sent.pk,
        "channel_id": sent.channel_id,
        "channel_name": sent.channel.name,
        "watch_id": sent.watch_id,
        "project_id": sent.project_id,
        # A test a person asked for has neither watch nor project (delivery.send_test).
        "project_name": sent.project.name if sent.project is not None else None,
        "event_id": sent.event_id,
        "message_id": str(sent.message_id),
        "state": sent.state,
        "attempts": sent.attempts,
        "due_at": stamp(sent.due_at),
        "last_attempt_at": stamp(sent.last_attempt_at),
        "delivered_at": stamp(sent.delivered_at),
        "status_code": sent.status_code,
        "latency_ms": sent.latency_ms,
        "response_excerpt": sent.response_excerpt,
        "error": sent.error,
        "created": stamp(sent.created),
        "payload": sent.payload,
    }


def channels_of(user: User) -> QuerySet[Channel]:
    """The caller's channels in the API's order (by id; the site lists them by name)."""
    return selectors.user_channels(user).order_by("pk")


CHANNEL_ID = id_parameter("channel_id")
DELIVERY_ID = id_parameter("delivery_id")
OWN_ROW = {401: schema.AUTHENTICATION_REQUIRED, 404: schema.NOT_FOUND}


# -- channels -----------------------------------------------------------------------------------


class ChannelsApi(OwnView):
    """The caller's channels."""

    name = "v2 channels"

    serializer_class = ChannelCreateInput

    @extend_schema(
        operation_id="v2_channels_list",
        tags=[TAG],
        parameters=PAGE_PARAMETERS,
        responses={200: ChannelPage, 400: schema.FIELD_ERRORS, 401: schema.AUTHENTICATION_REQUIRED},
    )
    def get(self, request: Request) -> Response:
        return Response(paged(request, channels_of(self.caller), channel_json))

    @extend_schema(
        operation_id="v2_channels_create",
        tags=[TAG],
        request=ChannelCreateInput,
        responses={
            201: CreatedChannel,
            400: schema.FIELD_ERRORS,
            401: schema.AUTHENTICATION_REQUIRED,
        },
    )
    def post(self, request: Request) -> Response:
        args = inputs.validated(ChannelCreateInput, request.data)
        created = notify.channel_create(self.caller, **args)
        body = channel_json(created.channel)
        if created.secret:
            body["secret"] = created.secret
        return Response(body, status=201)


class ChannelView(OwnView):
    """An endpoint of one of the caller's channels (``channel_id`` in the path)."""

    serializer_class: type[AnityaInput] = NoBody

    def get_object(self) -> Channel:
        return own_row(channels_of(self.caller), self.kwargs["channel_id"])


class ChannelApi(ChannelView):
    """One of the caller's channels."""

    name = "v2 channel"

    serializer_class = ChannelEditInput

    @extend_schema(
        operation_id="v2_channels_read",
        tags=[TAG],
        parameters=[CHANNEL_ID],
        responses={200: ChannelJSON, **OWN_ROW},
    )
    def get(self, request: Request, channel_id: str) -> Response:
        return Response(channel_json(self.get_object()))

    @extend_schema(
        operation_id="v2_channels_edit",
        tags=[TAG],
        parameters=[CHANNEL_ID],
        request=ChannelEditInput,
        responses={200: ChannelJSON, 400: schema.FIELD_ERRORS, **OWN_ROW},
    )
    def patch(self, request: Request, channel_id: str) -> Response:
        args = inputs.validated(ChannelEditInput, request.data)  # a bad body: 400 whatever the id
        channel = self.get_object()
        if "enabled" in args:
            notify.channel_set_enabled(
                channel, args["enabled"], reason="Switched off by its owner."
            )
        return Response(channel_json(channel))

    @extend_schema(
        operation_id="v2_channels_delete",
        tags=[TAG],
        parameters=[CHANNEL_ID],
        responses={204: None, **OWN_ROW},
    )
    def delete(self, request: Request, channel_id: str) -> Response:
        notify.channel_delete(self.get_object())
        return Response(status=204)


class ChannelSecretApi(ChannelView):
    """A webhook's new signing secret (the old one stops at once)."""

    name = "v2 channel secret"

    @extend_schema(
        operation_id="v2_channels_rotate_secret",
        tags=[TAG],
        parameters=[CHANNEL_ID],
        request=None,
        responses={200: SecretJSON, 400: schema.FIELD_ERRORS, **OWN_ROW},
    )
    def post(self, request: Request, channel_id: str) -> Response:
        inputs.validated(NoBody, request.data)
        channel = self.get_object()
        return Response({"secret": notify.channel_rotate_secret(channel)})


class ChannelTestApi(ChannelView):
    """Send a test message through a channel now, once (no retry); the answer is its delivery:
    sent or failed, with the receiver's status, latency and answer."""

    name = "v2 channel test"

    @extend_schema(
        operation_id="v2_channels_test",
        tags=[TAG],
        parameters=[CHANNEL_ID],
        request=None,
        responses={200: DeliveryJSON, 400: schema.FIELD_ERRORS, **OWN_ROW},
    )
    def post(self, request: Request, channel_id: str) -> Response:
        inputs.validated(NoBody, request.data)
        channel = self.get_object()
        return Response(delivery_json(delivery.send_test(channel)))


# -- the delivery log ---------------------------------------------------------------------------


class DeliveriesApi(OwnView):
    """The caller's delivery log, newest first."""

    name = "v2 deliveries"

    @extend_schema(
        operation_id="v2_deliveries_list",
        tags=[TAG],
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("channel", OpenApiTypes.INT, description="A channel's id."),
            OpenApiParameter("state", OpenApiTypes.STR, enum=Delivery.State.values),
            OpenApiParameter("project_id", OpenApiTypes.INT),
        ],
        responses={
            200: DeliveryPage,
            400: schema.FIELD_ERRORS,
            401: schema.AUTHENTICATION_REQUIRED,
        },
    )
    def get(self, request: Request) -> Response:
        errors: dict[str, str] = {}
        channel = inputs.query_integer(request, "channel", errors)
        project_id = inputs.query_integer(request, "project_id", errors)
        state = inputs.query_value(request, "state")
        if state is not None and state not in Delivery.State.values:
            errors["state"] = UNKNOWN_STATE.format(states=", ".join(Delivery.State.values))
        if errors:
            raise InputError(errors)
        rows = selectors.user_deliveries(self.caller)
        for column, value in (("channel_id", channel), ("project_id", project_id)):
            if value is not None:  # an id no row can have (0, too big) selects nothing
                valid = inputs.valid_id(value)
                rows = rows.filter(**{column: valid}) if valid is not None else rows.none()
        if state is not None:
            rows = rows.filter(state=state)
        return Response(paged(request, rows, delivery_json))


class RedeliverApi(OwnView):
    """Send a delivery again: it is due now (202; the delivery tasks send it)."""

    name = "v2 delivery redeliver"

    serializer_class = NoBody

    @extend_schema(
        operation_id="v2_deliveries_redeliver",
        tags=[TAG],
        parameters=[DELIVERY_ID],
        request=None,
        responses={202: DeliveryJSON, 400: schema.FIELD_ERRORS, **OWN_ROW},
    )
    def post(self, request: Request, delivery_id: str) -> Response:
        inputs.validated(NoBody, request.data)
        sent = own_row(selectors.user_deliveries(self.caller), delivery_id)
        again = delivery.redeliver(sent)
        return Response(delivery_json(again), status=202)
