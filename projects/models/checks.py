"""The checker's own records: a cycle's run, the hourly tallies of checks, and the upstreams
that asked us to wait. Re-exported by :mod:`projects.models`."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class CheckRun(models.Model):
    """One cycle of the checker, with its counts (shown in the footer and the admin)."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    total_count = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    ratelimit_count = models.PositiveIntegerField(default=0)
    new_version_count = models.PositiveIntegerField(
        default=0, help_text="Versions stored by this run's checks."
    )
    pending_tasks = models.PositiveIntegerField(
        default=0, help_text="Task-queue workers still checking for this run (0: finished)."
    )
    due_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Projects due when the cycle started (the backlog)."
    )
    progressed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When one of its tasks last claimed or counted checks (a dead task stops).",
    )

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"Check run {self.started_at:%Y-%m-%d %H:%M:%S}"


class CheckTally(models.Model):
    """How many checks of one backend and upstream host came to one outcome in one hour, and
    the seconds they took: what the admins' status page draws (projects/telemetry.py adds to
    it). A few thousand rows a day, whatever the number of checks."""

    hour = models.DateTimeField(help_text="The hour the checks ended in (UTC, on the hour).")
    backend = models.CharField(max_length=50)
    host = models.CharField(max_length=255, help_text="The upstream's host name.")
    outcome = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "backend", "host", "outcome"], name="check_tally_unique"
            )
        ]
        indexes = [models.Index(fields=["hour"], name="check_tally_hour_idx")]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}h {self.backend} {self.host} {self.outcome}: {self.count}"


class RateLimitBlock(models.Model):
    """An upstream (a host, or a host plus a token) that asked us to wait until ``reset_at``.

    Kept in the database so that every worker of every cluster defers the projects behind it;
    a row whose ``reset_at`` has passed means nothing and is deleted by the next cycle.
    """

    scope = models.CharField(max_length=255, unique=True)
    reset_at = models.DateTimeField()
    created_on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["reset_at"]

    def __str__(self) -> str:
        return f"{self.scope} until {self.reset_at:%Y-%m-%d %H:%M:%S}"
