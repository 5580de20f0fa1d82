"""The project page's "Release streams" table, shown when a project has more than one stream."""

from __future__ import annotations

from typing import Any

from django import template

from projects.models import Project
from projects.selectors.streams import project_streams

register = template.Library()


@register.inclusion_tag("projects/_release_streams.html")
def release_streams(project: Project) -> dict[str, Any]:
    """The streams of ``project`` from the versions its page already parsed and sorted."""
    streams = project_streams(project)
    return {"streams": streams if len(streams) > 1 else []}
