"""A project's audit log (:class:`~projects.models.AuditEntry`), newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from projects.models import AuditEntry


def project_history(project_id: int) -> QuerySet[AuditEntry]:
    """Every entry about the project with this id (deleted or not), newest first: the
    ``(project_id, -when)`` index answers it a page at a time."""
    return AuditEntry.objects.filter(project_id=project_id).order_by("-when", "-pk")


def history_entry(project_id: int, entry_id: int) -> AuditEntry | None:
    """One entry of that project's log, or None (another project's entry is not found)."""
    return AuditEntry.objects.filter(project_id=project_id, pk=entry_id).first()
