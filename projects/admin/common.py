"""What the admin modules share: who acts, and how counts and version lists are worded."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.http import HttpRequest

from projects.models import Project

#: Version strings listed in one admin-log entry before "and N more".
LOGGED_VERSIONS_LIMIT = 30


def agent_of(request: HttpRequest) -> str:
    """Who made the change, as the messages name website and admin users."""
    return request.user.username


def versions_text(deleted: list[str]) -> str:
    shown = ", ".join(deleted[:LOGGED_VERSIONS_LIMIT])
    more = len(deleted) - LOGGED_VERSIONS_LIMIT
    return f"{shown} and {more} more" if more > 0 else shown


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def what_goes_with(projects: Iterable[Project]) -> tuple[list[str], dict[str, int]]:
    """One line per project naming what its deletion removes, and the totals."""
    ids = [project.pk for project in projects]
    counted = Project.objects.filter(pk__in=ids).annotate(
        version_total=Count("versions", distinct=True),
        mapping_total=Count("packages", distinct=True),
        flag_total=Count("flags", distinct=True),
    )
    items, totals = [], {"projects": 0, "versions": 0, "mappings": 0, "flags": 0}
    for project in counted.order_by("name"):
        items.append(
            f"Project {project.name} (id {project.pk}): "
            f"{plural(project.version_total, 'version')}, "
            f"{plural(project.mapping_total, 'mapping')}, "
            f"{plural(project.flag_total, 'flag')}"
        )
        totals["projects"] += 1
        totals["versions"] += project.version_total
        totals["mappings"] += project.mapping_total
        totals["flags"] += project.flag_total
    return items, totals
