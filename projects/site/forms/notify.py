"""The forms of the watchlist and the notification settings.

They check shapes (required, lengths, choices, numbers; Django's text fields refuse NUL
characters); :mod:`projects.notify.services` checks the rest (patterns through the regex
safety rules, addresses, webhook URLs, time zones, names taken) and
:mod:`projects.site.errors` puts its errors back on these fields.
"""

from __future__ import annotations

from typing import Any

from django import forms

from projects.notify import chat_urls, services
from projects.notify.models import (
    MAX_HOLD_HOURS,
    PATTERN_MAX_LENGTH,
    STREAM_NAME_MAX_LENGTH,
    ChangeLevel,
    Channel,
    Watch,
)

#: E-mail addresses longer than this are refused by any mail server (RFC 5321).
EMAIL_MAX_LENGTH = 254
TIME_ZONE_MAX_LENGTH = 64


def _too_long(what: str) -> dict[str, str]:
    return {"max_length": f"The {what} is too long: at most %(limit_value)d characters."}


class WatchRulesForm(forms.Form):
    """What one watch is told about."""

    stable_only = forms.BooleanField(
        required=False,
        label="Stable versions only",
        help_text="Skip the versions the project's pre-release rules call pre-releases.",
    )
    min_change = forms.ChoiceField(
        choices=ChangeLevel.choices,
        label="Smallest change",
        help_text="By the project's version scheme: a patch release is 1.2.3 → 1.2.4.",
    )
    include_pattern = forms.CharField(
        required=False,
        max_length=PATTERN_MAX_LENGTH,
        label="Only versions matching",
        help_text="A regular expression; empty: every version.",
        error_messages=_too_long("pattern"),
        widget=forms.TextInput(attrs={"placeholder": r"e.g. ^2\."}),
    )
    exclude_pattern = forms.CharField(
        required=False,
        max_length=PATTERN_MAX_LENGTH,
        label="Never versions matching",
        help_text="A regular expression; empty: exclude nothing.",
        error_messages=_too_long("pattern"),
        widget=forms.TextInput(attrs={"placeholder": "e.g. (?i)nightly"}),
    )
    stream = forms.CharField(
        required=False,
        max_length=STREAM_NAME_MAX_LENGTH,
        label="Only the stream",
        help_text="A release stream of the project by name (e.g. 3.12 or LTS); empty: every "
        "stream. A name the project has not now waits for that line.",
        error_messages=_too_long("stream name"),
        widget=forms.TextInput(attrs={"list": "stream-names", "autocomplete": "off"}),
    )
    hold_hours = forms.IntegerField(
        min_value=0,
        max_value=MAX_HOLD_HOURS,
        label="Hold for (hours)",
        help_text=(
            "Wait this long before telling you, and drop a release withdrawn or superseded "
            f"meanwhile. 0 to {MAX_HOLD_HOURS}."
        ),
        error_messages={
            "invalid": "Enter a whole number of hours.",
            "min_value": "At least 0 hours.",
            "max_value": f"At most {MAX_HOLD_HOURS} hours (a month).",
        },
    )

    def rules(self) -> services.WatchRules:
        """The cleaned fields as the service takes them (call after ``is_valid()``)."""
        data = self.cleaned_data
        return services.WatchRules(
            stable_only=data["stable_only"],
            min_change=data["min_change"],
            include_pattern=data["include_pattern"],
            exclude_pattern=data["exclude_pattern"],
            hold_hours=data["hold_hours"],
            stream=data.get("stream") or "",
        )

    @staticmethod
    def initial_from(watch: Watch) -> dict[str, Any]:
        """The form's initial values: ``watch``'s rules as they are."""
        return {
            "stable_only": watch.stable_only,
            "min_change": watch.min_change,
            "include_pattern": watch.include_pattern,
            "exclude_pattern": watch.exclude_pattern,
            "hold_hours": watch.hold_hours,
            "stream": watch.stream,
        }


class ChannelForm(forms.Form):
    """What every channel has: its name."""

    name = forms.CharField(
        max_length=services.NAME_MAX_LENGTH,
        label="Name",
        help_text="To tell your channels apart, e.g. “work mail”.",
        error_messages={"required": "Give the channel a name.", **_too_long("name")},
    )


class EmailChannelForm(ChannelForm):
    """An e-mail channel: the address, at once or as a digest."""

    prefix = "email"

    target = forms.CharField(
        max_length=EMAIL_MAX_LENGTH,
        label="E-mail address",
        error_messages={"required": "Enter an e-mail address.", **_too_long("address")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    schedule = forms.ChoiceField(
        choices=Channel.Schedule.choices,
        label="When",
        help_text="Each release at once, or one message a day or a week.",
    )
    digest_hour = forms.IntegerField(
        min_value=0,
        max_value=23,
        initial=8,
        label="Digest hour",
        help_text="For digests: the hour (0 to 23) they leave at, in the time zone below.",
        error_messages={
            "invalid": "Enter an hour from 0 to 23.",
            "min_value": "Enter an hour from 0 to 23.",
            "max_value": "Enter an hour from 0 to 23.",
        },
    )
    time_zone = forms.CharField(
        max_length=TIME_ZONE_MAX_LENGTH,
        initial="UTC",
        label="Time zone",
        help_text="For digests, e.g. Europe/Paris or America/New_York.",
        error_messages={"required": "Enter a time zone, e.g. UTC.", **_too_long("time zone")},
    )


class WebhookChannelForm(ChannelForm):
    """A webhook: the URL its signed POST requests go to."""

    prefix = "webhook"

    target = forms.CharField(
        max_length=services.URL_MAX_LENGTH,
        label="URL",
        help_text="An http:// or https:// URL reachable from the internet. Each request is "
        "signed (Standard Webhooks); the secret is shown once, after adding it.",
        error_messages={"required": "Enter the webhook's URL.", **_too_long("URL")},
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/releases"}),
    )


class ChatChannelForm(ChannelForm):
    """A chat channel: an Apprise URL (Slack, Discord, Matrix, Telegram, Teams, ...)."""

    prefix = "chat"

    target = forms.CharField(
        max_length=chat_urls.URL_MAX_LENGTH,
        label="Apprise URL",
        help_text="Where Apprise sends the message, e.g. slack://TokenA/TokenB/TokenC/#releases, "
        "discord://WebhookID/WebhookToken, tgram://BotToken/ChatID, ntfys://ntfy.sh/topic. "
        "Services: " + ", ".join(chat_urls.SERVICE_NAMES) + ". Its tokens are not shown again.",
        error_messages={"required": "Enter the Apprise URL.", **_too_long("URL")},
        widget=forms.TextInput(
            attrs={"placeholder": "slack://TokenA/TokenB/TokenC/#releases", "spellcheck": "false"}
        ),
    )
