"""The rows of the project lists (every project, the status lists, searches), built in Python,
and ``{% project_rows projects %}``, which gives them the columns the page asks for.

A list shows 50 projects; through the template engine each row cost ~45 us (a variable
lookup, a filter and an escape per cell), 40% of a search page rendered for the first time.
Every value still goes through ``html.escape`` (what Django's ``escape`` calls); the watch
button, the one part a row shares with the project page, is still its template.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.template.loader import get_template
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import is_aware, localtime

from projects.models import Project
from projects.selectors import ListedProject
from projects.templatetags.projects_tags import project_path

register = template.Library()

#: What a project never checked shows as its latest version (an en dash).
NO_VERSION = "\u2013"
#: How much of the latest check's log a status list shows.
LOG_CHARACTERS = 120


def render_rows(
    projects: Iterable[ListedProject | Project],
    *,
    show_health: bool = False,
    watched_ids: Collection[int] | None = None,
    button_context: dict[str, Any] | None = None,
) -> SafeString:
    """The ``<tr>`` of each project. ``show_health``: the last check, its errors and its log
    (which a :class:`~projects.selectors.ListedProject` does not have).
    ``watched_ids`` (a signed-in person's list): a Watch or Unwatch button on each row,
    rendered with ``button_context`` (the request, the CSRF token, the user)."""
    parts = []
    for project in projects:
        parts.append(_row(project, show_health))
        if watched_ids is not None:
            watched = project.pk in watched_ids
            parts.append(_watch_cell(project, watched, button_context or {}))
        parts.append("\n    </tr>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _row(project: ListedProject | Project, show_health: bool) -> str:
    name = escape(project.name)
    homepage = escape(project.homepage)
    badge = ' <span class="badge">archived</span>' if project.archived else ""
    cells = [
        '\n    <tr class="archived">' if project.archived else "\n    <tr>",
        f'\n      <td class="name"><a href="{project_path(project.pk)}">{name}</a>{badge}</td>',
        f"\n      <td>{escape(project.latest_version or NO_VERSION)}</td>",
        f'\n      <td class="url wide"><a href="{homepage}" rel="nofollow noopener">'
        f"{homepage}</a></td>",
        f'\n      <td class="wide">{escape(project.backend)}</td>',
    ]
    if show_health:
        if not isinstance(project, Project):
            raise TypeError("the check's columns need the project's model")
        cells.append(f'\n      <td class="when">{_last_check(project.last_check)}</td>')
        cells.append(f"\n      <td>{project.error_counter}</td>")
        log = Truncator(project.logs or "").chars(LOG_CHARACTERS)
        cells.append(f'\n      <td class="log">{escape(log)}</td>')
    return "".join(cells)


def _last_check(when: datetime | None) -> str:
    if when is None:
        return "never"
    when = localtime(when) if is_aware(when) else when  # as the template's date filter
    return f'<time datetime="{format_date(when, "c")}">{format_date(when, "Y-m-d H:i")}</time>'


def _watch_cell(project: ListedProject | Project, watched: bool, context: dict[str, Any]) -> str:
    button = get_template("projects/_watch_button.html").render(
        {**context, "project": project, "watched": watched}
    )
    return f'\n      <td class="actions watch">{button}</td>'


@register.simple_tag(takes_context=True)
def project_rows(
    context: template.Context, projects: Iterable[ListedProject | Project]
) -> SafeString:
    """The rows; ``show_health`` and ``watch_column`` / ``watched_ids`` from the page."""
    watching = bool(context.get("watch_column"))
    return render_rows(
        projects,
        show_health=bool(context.get("show_health")),
        watched_ids=set(context.get("watched_ids") or ()) if watching else None,
        button_context={
            "user": context.get("user"),
            "request": context.get("request"),
            "csrf_token": context.get("csrf_token"),
        },
    )
