"""Users' reports that something is wrong with a project. Re-exported by :mod:`projects.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Flag(models.Model):
    """A user's report that something is wrong with a project, for administrators to triage."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="flags")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flags",
    )
    reason = models.TextField()
    state = models.CharField(max_length=50, choices=State.choices, default=State.OPEN)
    created_on = models.DateTimeField(default=timezone.now)
    updated_on = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["state", "-created_on"], name="flag_state_idx")]

    def __str__(self) -> str:
        return f"Flag #{self.pk} on {self.project}"
