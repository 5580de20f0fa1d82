"""The project page's release timeline: its streams' versions over time, drawn as inline SVG
under the streams table (geometry: :mod:`backends.versions.timeline`)."""

from __future__ import annotations

from typing import Any

from django import template

from backends.versions.timeline import build_timeline
from projects.models import Project
from projects.selectors.streams import project_streams

register = template.Library()


@register.inclusion_tag("projects/_release_timeline.html")
def release_timeline(project: Project) -> dict[str, Any]:
    """The chart, when the page's versions are dated on at least two different days."""
    return {"project": project, "timeline": build_timeline(project_streams(project))}
