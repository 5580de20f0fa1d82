"""The one writer of the audit log (:class:`~projects.models.AuditEntry`).

The services (and the two writers below them: :mod:`projects.archiving` and the check
recorder deleting a project that keeps failing) call :func:`record` inside the transaction of
their change, next to the change's message: an entry exists exactly when its change was
committed. Nothing else writes the log; signals are not used because the checker saves every
project several times a day and none of those saves is a change people would read or undo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from accounts.models import User
from messaging.topics import CHECKER_AGENT
from projects.models import AuditEntry, Project

Kind = AuditEntry.Kind


def _jsonable(value: Any) -> Any:
    """Settings are text, booleans or None, version lists are lists of text, stream
    definitions lists of mappings of those; anything else is kept as its text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


def _user_named(agent: str) -> User | None:
    """The account ``agent`` names: an API user's email (unique), else a website username
    when exactly one account has it (usernames are not unique). The checker is nobody."""
    if not agent or agent == CHECKER_AGENT:
        return None
    by_email = User.objects.filter(email__iexact=agent).first()
    if by_email is not None:
        return by_email
    named = list(User.objects.filter(username=agent)[:2])
    return named[0] if len(named) == 1 else None


def _plain(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if values is None else {key: _jsonable(v) for key, v in values.items()}


def record(
    kind: AuditEntry.Kind,
    project: Project,
    *,
    agent: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
    reverts: int | None = None,
) -> AuditEntry:
    """Write one entry about ``project`` (saved; its id and name are copied, so the entry
    outlives it). Call it inside the change's transaction."""
    return AuditEntry.objects.create(
        project_id=project.pk,
        project_name=project.name,
        kind=kind,
        agent=agent,
        user=_user_named(agent),
        before=_plain(before),
        after=_plain(after),
        settings=_plain(settings),
        reverts=reverts,
    )


def record_many(
    kind: AuditEntry.Kind,
    changes: Iterable[tuple[Project, Mapping[str, Any] | None, Mapping[str, Any] | None]],
    *,
    agent: str,
) -> int:
    """One entry per ``(project, before, after)`` of one change touching many projects (a
    distribution deleted with its mappings), written in batches; return how many."""
    user = _user_named(agent)
    entries = [
        AuditEntry(
            project_id=project.pk,
            project_name=project.name,
            kind=kind,
            agent=agent,
            user=user,
            before=_plain(before),
            after=_plain(after),
        )
        for project, before, after in changes
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)


def record_imports(
    entries: Iterable[
        tuple[int, str, Mapping[str, Any] | None, Mapping[str, Any], Mapping[str, Any]]
    ],
    *,
    agent: str,
) -> int:
    """One ``project.import`` entry per ``(project id, name, before, after, settings)`` of a
    batch of projects an import added or changed (``before`` is None for an added one),
    written in one statement; return how many. The import writes history, not changes
    people made, so no account is named."""
    rows = [
        AuditEntry(
            project_id=project_id,
            project_name=name,
            kind=Kind.PROJECT_IMPORT,
            agent=agent,
            before=_plain(before),
            after=_plain(after),
            settings=_plain(settings),
        )
        for project_id, name, before, after, settings in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)
