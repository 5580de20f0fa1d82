"""The notification settings (``/settings/notifications/``): the user's channels (add an
e-mail address, a webhook or a chat, send a test, rotate a webhook's secret, switch on or off,
delete) and the log of their deliveries (send one again).

A webhook's signing secret is shown once: right after the webhook is added or its secret
rotated, the next page shows it and forgets it (it waits in the session for that page only).
Another person's channel or delivery is not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST, require_safe

from projects.notify import delivery as deliveries
from projects.notify import selectors, services
from projects.notify.models import Channel, Delivery
from projects.site import errors
from projects.site.common import SignedInRequest, confirmation_page, confirmed
from projects.site.forms.notify import (
    ChannelForm,
    ChatChannelForm,
    EmailChannelForm,
    WebhookChannelForm,
)
from projects.site.watchlist_feed import settings_box

#: Where a webhook's new secret waits, in the session, for the one page showing it.
NEW_SECRET_SESSION_KEY = "notify.new_secret"
#: Why a channel is off when its owner switched it off.
SWITCHED_OFF = "Switched off by you."
#: The deliveries that can be sent again: those that ended.
REDELIVERABLE = frozenset({Delivery.State.SENT, Delivery.State.FAILED})


@dataclass(frozen=True)
class LogRow:
    """One delivery as the log shows it."""

    delivery: Delivery
    #: What it said: the versions (and the previous one), or that it was a test.
    summary: str
    redeliverable: bool


def payload_summary(payload: Any) -> str:
    """The versions a delivery carried, read defensively from its frozen payload."""
    if not isinstance(payload, dict):
        return ""
    if payload.get("type") == "test" or payload.get("test"):
        return "Test"
    found = payload.get("versions")
    versions = [str(v) for v in found] if isinstance(found, list) else []
    text = ", ".join(versions)
    previous = payload.get("previous")
    if text and isinstance(previous, str) and previous:
        text += f" (was {previous})"
    return text


def _settings_page(
    request: SignedInRequest, *, bound: ChannelForm | None = None, status: int = 200
) -> HttpResponse:
    """The page; ``bound`` (a channel form that was sent back) replaces its empty form."""
    user = request.user
    new_secret = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    log = [
        LogRow(delivery, payload_summary(delivery.payload), delivery.state in REDELIVERABLE)
        for delivery in selectors.delivery_log(user)
    ]
    forms: dict[str, ChannelForm] = {
        "email_form": EmailChannelForm(initial={"name": "E-mail", "target": user.email}),
        "webhook_form": WebhookChannelForm(),
        "chat_form": ChatChannelForm(),
    }
    if bound is not None:
        forms[f"{bound.prefix}_form"] = bound
    return render(
        request,
        "projects/notifications.html",
        {
            "channels": list(selectors.user_channels(user)),
            "new_secret": new_secret,
            **forms,
            "log": log,
            "log_length": selectors.DELIVERY_LOG_LENGTH,
            "feed_box": settings_box(request),
        },
        status=status,
    )


def _own_channel(request: SignedInRequest, channel_id: int) -> Channel:
    channel = selectors.user_channel(request.user, channel_id)
    if channel is None:
        raise Http404("No such channel.")
    return channel


def _show_secret_once(request: SignedInRequest, channel: Channel, secret: str) -> None:
    request.session[NEW_SECRET_SESSION_KEY] = {
        "channel_id": channel.pk,
        "name": channel.name,
        "secret": secret,
    }


@login_required
@require_safe
def notification_settings(request: SignedInRequest) -> HttpResponse:
    return _settings_page(request)


def _add_channel(
    request: SignedInRequest, form: ChannelForm, kind: str
) -> services.NewChannel | HttpResponse:
    """The channel ``form`` describes, made; or the page again with the form's errors."""
    if not form.is_valid():
        return _settings_page(request, bound=form, status=400)
    data = dict(form.cleaned_data)
    try:
        return services.channel_create(
            request.user, kind=kind, name=data.pop("name"), target=data.pop("target"), **data
        )
    except errors.REFUSALS as refused:
        return _settings_page(request, bound=form, status=errors.on_form(form, refused).status)


@login_required
@require_POST
def channel_add_email(request: SignedInRequest) -> HttpResponse:
    new = _add_channel(request, EmailChannelForm(request.POST), Channel.Kind.EMAIL)
    if isinstance(new, HttpResponse):
        return new
    messages.success(request, f"E-mail channel {new.channel.name} added.")
    return redirect("projects:notifications")


@login_required
@require_POST
def channel_add_webhook(request: SignedInRequest) -> HttpResponse:
    new = _add_channel(request, WebhookChannelForm(request.POST), Channel.Kind.WEBHOOK)
    if isinstance(new, HttpResponse):
        return new
    _show_secret_once(request, new.channel, new.secret)
    messages.success(
        request,
        f"Webhook {new.channel.name} added. Copy its signing secret now: it will not be "
        "shown again.",
    )
    return redirect("projects:notifications")


@login_required
@require_POST
def channel_add_chat(request: SignedInRequest) -> HttpResponse:
    new = _add_channel(request, ChatChannelForm(request.POST), Channel.Kind.CHAT)
    if isinstance(new, HttpResponse):
        return new
    messages.success(
        request, f"Chat channel {new.channel.name} added: send a test to see it arrive."
    )
    return redirect("projects:notifications")


@login_required
@require_POST
def channel_test(request: SignedInRequest, channel_id: int) -> HttpResponse:
    """Send a test message through the channel now; the answer is in the delivery log."""
    channel = _own_channel(request, channel_id)
    try:
        sent = deliveries.send_test(channel)
    except errors.REFUSALS as refused:
        errors.flash(request, refused, f"No test sent to {channel.name}: ")
        return redirect("projects:notifications")
    if sent.state == Delivery.State.SENT:
        answer = f"HTTP {sent.status_code}" if sent.status_code else "accepted"
        took = f" in {sent.latency_ms} ms" if sent.latency_ms is not None else ""
        messages.success(request, f"Test sent to {channel.name}: {answer}{took}.")
    elif sent.state in {Delivery.State.PENDING, Delivery.State.HELD}:
        messages.info(request, f"Test to {channel.name} queued: see the delivery log below.")
    else:
        reason = sent.error or (f"HTTP {sent.status_code}" if sent.status_code else "no answer")
        messages.error(request, f"Test to {channel.name} failed: {reason}")
    return redirect("projects:notifications")


@login_required
@require_POST
def channel_rotate(request: SignedInRequest, channel_id: int) -> HttpResponse:
    """A new signing secret for a webhook: the old one stops at once; the new one is shown
    on the next page only."""
    channel = _own_channel(request, channel_id)
    try:
        secret = services.channel_rotate_secret(channel)
    except errors.REFUSALS as refused:
        errors.flash(request, refused, f"Secret of {channel.name} not rotated: ")
    else:
        _show_secret_once(request, channel, secret)
        messages.success(
            request,
            f"New signing secret for {channel.name}: the old one no longer signs. Copy the new "
            "one now: it will not be shown again.",
        )
    return redirect("projects:notifications")


def _set_enabled(request: SignedInRequest, channel_id: int, enabled: bool) -> HttpResponse:
    channel = _own_channel(request, channel_id)
    changed = services.channel_set_enabled(channel, enabled, reason=SWITCHED_OFF)
    state = "on" if enabled else "off"
    if changed:
        messages.success(request, f"{channel.name} switched {state}.")
    else:
        messages.info(request, f"{channel.name} was already {state}.")
    return redirect("projects:notifications")


@login_required
@require_POST
def channel_enable(request: SignedInRequest, channel_id: int) -> HttpResponse:
    return _set_enabled(request, channel_id, True)


@login_required
@require_POST
def channel_disable(request: SignedInRequest, channel_id: int) -> HttpResponse:
    return _set_enabled(request, channel_id, False)


@login_required
def channel_delete(request: SignedInRequest, channel_id: int) -> HttpResponse:
    channel = _own_channel(request, channel_id)
    if request.method == "POST" and confirmed(request):
        services.channel_delete(channel)
        messages.success(request, f"Channel {channel.name} deleted.")
        return redirect("projects:notifications")
    return confirmation_page(
        request,
        reverse("projects:notifications"),
        title=f"Delete channel {channel.name}",
        question=format_html(
            "Delete the {} channel <strong>{}</strong> ({}) and its delivery log? Nothing more "
            "will be sent through it. This cannot be undone.",
            channel.get_kind_display().lower(),
            channel.name,
            channel.shown_target,
        ),
        action=reverse("projects:channel_delete", args=[channel.pk]),
        button="Delete channel",
    )


@login_required
@require_POST
def redeliver(request: SignedInRequest, delivery_id: int) -> HttpResponse:
    """Send a sent or failed delivery again, soon (a receiver lost it, or is back)."""
    delivery = selectors.user_delivery(request.user, delivery_id)
    if delivery is None:
        raise Http404("No such delivery.")
    if delivery.state not in REDELIVERABLE:
        messages.error(
            request,
            f"Delivery #{delivery.pk} is {delivery.get_state_display().lower()}: only "
            "sent or failed deliveries can be sent again.",
        )
        return redirect("projects:notifications")
    try:
        deliveries.redeliver(delivery)
    except errors.REFUSALS as refused:
        errors.flash(request, refused, f"Delivery #{delivery.pk} not sent again: ")
    else:
        messages.success(
            request, f"Delivery #{delivery.pk} to {delivery.channel.name} will be sent again."
        )
    return redirect("projects:notifications")
