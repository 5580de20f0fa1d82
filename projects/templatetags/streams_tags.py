"""The project page's "Release streams" table: shown when a project has more than one stream
or any stream defined or marked end-of-life by hand."""

from __future__ import annotations

from typing import Any

from django import template

from projects.models import Project
from projects.selectors.streams import project_streams

register = template.Library()


@register.inclusion_tag("projects/_release_streams.html", takes_context=True)
def release_streams(context: template.Context, project: Project) -> dict[str, Any]:
    """The streams of ``project`` from the versions its page already parsed and sorted; a
    link to manage them for the people who may edit the project."""
    streams = project_streams(project)
    marked = any(stream.defined or stream.end_of_life for stream in streams)
    user = context.get("user")
    return {
        "project": project,
        "streams": streams if len(streams) > 1 or marked else [],
        "may_manage": bool(user and user.is_authenticated and not project.archived),
    }
