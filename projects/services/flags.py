"""Flags: users report a problem with a project, administrators close or reopen the report."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from messaging.outbox import emit
from projects import messages
from projects.models import Flag, Project
from projects.services.errors import InvalidInput


@transaction.atomic
def flag_create(project: Project, *, author: User, reason: str) -> Flag:
    """A user reports a problem with a project (``project.flag``, agent = their username).

    Archived projects can be flagged: it is how users ask for one to be unarchived.
    """
    text = (reason or "").strip()
    if not text:
        raise InvalidInput({"reason": "This field is required."})
    flag = Flag.objects.create(project=project, author=author, reason=text)
    emit(messages.project_flag(flag, author.username))
    return flag


@transaction.atomic
def flag_set_state(flag: Flag, state: str, *, agent: str) -> bool:
    """Close or reopen a flag (``project.flag.set``); False when it already was in ``state``."""
    if state not in Flag.State.values:
        raise InvalidInput({"state": f'"{state}" is not a flag state (open or closed).'})
    locked = Flag.objects.select_for_update().get(pk=flag.pk)
    if locked.state == state:
        return False
    locked.state = state
    locked.updated_on = timezone.now()
    locked.save(update_fields=["state", "updated_on"])
    emit(messages.flag_set(locked, agent))
    flag.state, flag.updated_on = locked.state, locked.updated_on
    return True
