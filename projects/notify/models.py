"""Watches (who wants which releases), channels (where to tell them) and deliveries (one per
event, watch and channel: the durable to-do list of the delivery tasks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backends.stream_definitions import NAME_MAX_LENGTH

#: A watch follows a release stream by its name.
STREAM_NAME_MAX_LENGTH = NAME_MAX_LENGTH

#: Include and exclude patterns go through the project regexes' safety rules; this long at most.
PATTERN_MAX_LENGTH = 512
#: The longest maturity delay: a month.
MAX_HOLD_HOURS = 720


class ChangeLevel(models.TextChoices):
    """The smallest change a watch is told about, by the project's version scheme."""

    ANY = "any", "Any new version"
    PATCH = "patch", "Patch releases and bigger"
    MINOR = "minor", "Minor releases and bigger"
    MAJOR = "major", "Major releases only"


class Watch(models.Model):
    """A person following one project, or every project mapped in one distribution."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="watches")
    project = models.ForeignKey(
        "projects.Project", models.CASCADE, null=True, blank=True, related_name="watches"
    )
    distro = models.ForeignKey(
        "projects.Distro", models.CASCADE, null=True, blank=True, related_name="watches"
    )
    stable_only = models.BooleanField(
        default=True, help_text="Only versions the project's rules call stable."
    )
    min_change = models.CharField(max_length=10, choices=ChangeLevel, default=ChangeLevel.ANY)
    include_pattern = models.CharField(
        max_length=PATTERN_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Only versions this regular expression finds (empty: every version).",
    )
    exclude_pattern = models.CharField(
        max_length=PATTERN_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Never versions this regular expression finds.",
    )
    stream = models.CharField(
        max_length=STREAM_NAME_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Only versions of the project's release stream of this name, compared "
        "ignoring case (empty: every stream).",
    )
    hold_hours = models.PositiveSmallIntegerField(
        default=0,
        help_text="Hold a release this many hours; drop it if it is withdrawn or superseded.",
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, distro__isnull=True)
                | Q(project__isnull=True, distro__isnull=False),
                name="watch_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "project"],
                condition=Q(project__isnull=False),
                name="watch_unique_project",
            ),
            models.UniqueConstraint(
                fields=["user", "distro"],
                condition=Q(distro__isnull=False),
                name="watch_unique_distro",
            ),
            models.CheckConstraint(
                condition=Q(hold_hours__lte=MAX_HOLD_HOURS), name="watch_hold_at_most_a_month"
            ),
        ]

    def __str__(self) -> str:
        target = self.project if self.project_id is not None else self.distro
        return f"{self.user} watches {target}"


class Channel(models.Model):
    """Where one person is told: an e-mail address, a webhook URL or a chat service's
    Apprise URL."""

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Webhook"
        CHAT = "chat", "Chat (Apprise)"

    class Schedule(models.TextChoices):
        IMMEDIATE = "immediate", "At once"
        DAILY = "daily", "Daily digest"
        WEEKLY = "weekly", "Weekly digest"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=10, choices=Kind)
    name = models.CharField(max_length=100)
    #: The webhook URL, the e-mail address, or the Apprise URL (it holds the chat service's
    #: tokens: shown again only masked, see projects.notify.chat_urls.masked).
    target = models.CharField(max_length=2000)
    #: A chat channel's Apprise URL with its tokens masked, as people see it again (empty for
    #: e-mail and webhooks, whose targets are shown as they are): see :attr:`shown_target`.
    masked_target = models.CharField(max_length=2000, blank=True, default="", editable=False)
    #: A webhook's signing secret (``whsec_`` + base64), shown to its owner once.
    secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    schedule = models.CharField(max_length=10, choices=Schedule, default=Schedule.IMMEDIATE)
    #: For digests: the hour (0-23) in ``time_zone`` they leave at.
    digest_hour = models.PositiveSmallIntegerField(default=8)
    time_zone = models.CharField(max_length=64, default="UTC")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    #: Since when every delivery attempt failed (None: the last one worked).
    failing_since = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="channel_unique_name"),
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="channel_digest_hour"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def shown_target(self) -> str:
        """Where the channel sends, as its owner and the admins see it (tokens masked)."""
        return self.masked_target or self.target


class Delivery(models.Model):
    """One event for one watch through one channel: written once at fan-out, sent at least
    once. Unique on (event, watch, channel), so a restart never writes it twice."""

    class State(models.TextChoices):
        HELD = "held", "Held (maturity delay)"
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        DROPPED = "dropped", "Dropped"

    #: The event log's id of the event (the outbox row), and its message id: the webhook id
    #: and idempotency key receivers see. A test a person asked for has a negative id and
    #: neither watch nor project.
    event_id = models.BigIntegerField()
    message_id = models.UUIDField()
    watch = models.ForeignKey(
        Watch, models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    channel = models.ForeignKey(Channel, models.CASCADE, related_name="deliveries")
    project = models.ForeignKey(
        "projects.Project", models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    #: What is sent, frozen when the event was fanned out.
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    #: Not sent before this time (the maturity delay, or the next retry).
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    #: The receiver's last answer: HTTP status, time taken, the start of its body.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "watch", "channel"], name="delivery_once_per_event"
            ),
        ]
        indexes = [
            # The delivery tasks' queue: what is due, in event order.
            models.Index(
                fields=["due_at", "event_id"],
                condition=Q(state__in=["held", "pending"]),
                name="delivery_due_idx",
            ),
            # A channel's delivery log, newest first.
            models.Index(fields=["channel", "-id"], name="delivery_channel_log_idx"),
            # The claim's "oldest waiting event of each watch and channel".
            models.Index(
                fields=["channel", "watch", "event_id"],
                condition=Q(state__in=["held", "pending"]),
                name="delivery_waiting_pair_idx",
            ),
        ]

    def __str__(self) -> str:
        if self.is_test:
            return f"test to {self.channel}"
        return f"event {self.event_id} to {self.channel}"

    @property
    def is_test(self) -> bool:
        """A test its owner asked for, not an event."""
        return self.event_id < 0


class FanOutCursor(models.Model):
    """The id of the last event fanned out: one row, locked by the fan-out while it works."""

    last_event_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"fanned out up to event {self.last_event_id}"


class WatchlistFeed(models.Model):
    """A person's private Atom feed of their watchlist, read at ``/watchlist/feed/<secret>/``.

    Only the SHA-256 of the secret is stored (like API tokens): the URL is shown to its owner
    once, when it is made or replaced, and a lookup by hash compares nothing byte by byte.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="watchlist_feed"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    #: When a feed reader last read it, to within ``services.FEED_LAST_USED_STEP``.
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"watchlist feed of {self.user}"
