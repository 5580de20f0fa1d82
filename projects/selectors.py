"""Reads: the queries the site, the API and the scheduler share."""

from __future__ import annotations

from django.db.models import QuerySet

from projects.models import Project, ProjectVersion


def tracked_project_count() -> int:
    return Project.objects.count()


def latest_releases(limit: int = 10) -> QuerySet[ProjectVersion]:
    """The most recently retrieved versions, newest first, with their projects."""
    return (
        ProjectVersion.objects.select_related("project")
        .filter(project__archived=False)
        .order_by("-created_on", "-pk")[:limit]
    )
