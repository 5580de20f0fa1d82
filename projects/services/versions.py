"""Stored versions an administrator deletes (``project.version.remove.v2``).

New versions are stored by a check (:mod:`projects.check`), never here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from messaging.outbox import emit
from projects import messages
from projects.models import Project, ProjectVersion
from projects.services import history


@transaction.atomic
def versions_delete(
    project: Project, raw_versions: Iterable[str] | None, *, agent: str
) -> list[str]:
    """Delete some stored versions (raw strings), or all with ``None``; return those deleted.

    The latest version becomes the newest one left not withdrawn (NULL when none is), and one
    ``project.version.remove.v2`` lists the deleted version strings (Anitya's "delete all"
    sent object reprs, pitfall 15).
    """
    locked = Project.objects.select_for_update().get(pk=project.pk)
    rows = ProjectVersion.objects.filter(project=locked)
    if raw_versions is not None:
        rows = rows.filter(version__in=list(raw_versions))
    deleted = list(rows.order_by("created_on", "pk").values_list("version", flat=True))
    if not deleted:
        return []
    latest_before = locked.latest_version
    rows.delete()
    locked.__dict__.pop("sorted_versions", None)
    locked.latest_version = locked.latest_stored_version
    locked.updated_on = timezone.now()
    locked.save(update_fields=["latest_version", "updated_on"])
    history.versions_removed(locked, agent, deleted, latest_before=latest_before)
    emit(messages.version_remove_v2(locked, deleted, agent))
    project.take_saved_state(locked)
    return deleted
