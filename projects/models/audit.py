"""The audit log: every change people (or the checker) make to a project, its mappings or its
stored versions, with who, when and the values before and after. Re-exported by
:mod:`projects.models`.

Rows are written by the services only (:func:`projects.audit.record`), in the transaction of
the change and its message, never by signals: the checker saves every project several times a
day (its last check, next check, validators, counters) and none of that is a change anybody
would want to read or undo.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One change to one project, kept after the project is deleted."""

    class Kind(models.TextChoices):
        PROJECT_ADD = "project.add", "Project added"
        PROJECT_EDIT = "project.edit", "Project edited"
        PROJECT_ARCHIVE = "project.archive", "Project archived"
        PROJECT_UNARCHIVE = "project.unarchive", "Project unarchived"
        PROJECT_REMOVE = "project.remove", "Project deleted"
        MAPPING_ADD = "mapping.add", "Mapping added"
        MAPPING_EDIT = "mapping.edit", "Mapping edited"
        MAPPING_REMOVE = "mapping.remove", "Mapping deleted"
        VERSIONS_REMOVE = "versions.remove", "Versions deleted"
        #: Added or changed by ``manage.py import_anitya`` (its settings as Anitya had them).
        PROJECT_IMPORT = "project.import", "Project imported from Anitya"

    # A plain integer and the name, not a foreign key: the history of a deleted project stays.
    project_id = models.BigIntegerField()
    project_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    #: Who, as the change's message names them: a username, an API user's email, "anitya".
    agent = models.CharField(max_length=256)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        help_text="The account the agent names, when exactly one does.",
    )
    when = models.DateTimeField(default=timezone.now)
    #: The values the change replaced and those it set, by field (only the changed fields of
    #: an edit). Credentials never appear: only that they changed.
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    #: Every setting of the project right after a project change (creation, edit, archiving):
    #: what "revert to this state" restores, without replaying older entries.
    settings = models.JSONField(null=True, blank=True)
    #: The entry whose state this edit restored (a revert), if it was one.
    reverts = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        ordering = ["-when", "-pk"]
        indexes = [models.Index(fields=["project_id", "-when"], name="audit_project_when_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.project_name} by {self.agent}"

    @property
    def revertable(self) -> bool:
        """Whether the project's settings can be put back as they were after this entry."""
        return self.settings is not None

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        """``(field, before, after)`` for every field either side names, in a stable order."""
        before, after = self.before or {}, self.after or {}
        names = list(before) + [name for name in after if name not in before]
        return [(name, before.get(name), after.get(name)) for name in names]
