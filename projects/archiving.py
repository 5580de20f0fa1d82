"""Archiving and unarchiving a project: the one writer of ``Project.archived``.

A service like the others in :mod:`projects.services` (which re-exports it), kept in its own
module because the check recorder (:mod:`projects.check`) archives projects that keep failing
and :func:`projects.services.project_create` records a new project's first check: with the
function inside the services package, the two would import each other.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from messaging.outbox import emit
from projects import audit, messages
from projects.models import AuditEntry, Project


@transaction.atomic
def project_set_archived(project: Project, archived: bool, *, agent: str) -> bool:
    """Archive (stop checking, freeze) or unarchive a project; True when it changed.

    Only ``archived`` changes: unlike Anitya (contract pitfall 14) the filters are kept.
    The rest of the project is not validated again, so a project whose configuration no
    longer holds (an unknown backend, a missing version URL) can still be archived, which
    is what the checker does with a project that keeps failing.
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.archived == archived:
        return False
    locked.archived = archived
    locked.updated_on = timezone.now()
    locked.save(update_fields=["archived", "updated_on"])
    audit.record(
        AuditEntry.Kind.PROJECT_ARCHIVE if archived else AuditEntry.Kind.PROJECT_UNARCHIVE,
        locked,
        agent=agent,
        before={"archived": not archived},
        after={"archived": archived},
    )
    emit(messages.project_edit(locked, agent, {"archived": (not archived, archived)}))
    project.take_saved_state(locked)
    return True
