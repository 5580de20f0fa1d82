"""Release streams defined by hand (issue #20). Re-exported by :mod:`projects.models`.

What a definition means is :class:`backends.stream_definitions.StreamDefinition`'s: with a
pattern it is a stream of its own (the versions the pattern finds, first definition first);
with an empty pattern it marks the detected stream of its name end-of-life. The writes are
:mod:`projects.services.streams`; the streams themselves are read by
:func:`projects.selectors.streams.project_streams`.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from backends.regexes import MAX_REGEX_LENGTH
from backends.stream_definitions import NAME_MAX_LENGTH, StreamDefinition


class ReleaseStream(models.Model):
    """One hand-defined stream of a project, or the end-of-life mark of a detected one."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="release_streams"
    )
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    pattern = models.CharField(
        max_length=MAX_REGEX_LENGTH,
        blank=True,
        default="",
        help_text="A regular expression searched in the version as shown; empty: the "
        "definition marks the detected stream of its name end-of-life.",
    )
    end_of_life = models.DateField(null=True, blank=True)
    #: Definitions are tried in this order (then by id): the first whose pattern finds a
    #: version takes it.
    position = models.PositiveSmallIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint("project", Lower("name"), name="release_stream_unique_name_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.project_id})"

    @property
    def definition(self) -> StreamDefinition:
        """What :func:`backends.stream_definitions.release_streams` reads."""
        return StreamDefinition(self.name, self.pattern, self.end_of_life)
