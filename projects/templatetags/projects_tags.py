"""Template helpers for the site: versions as users read them, mapping links, sort links."""

from __future__ import annotations

import functools
from datetime import datetime
from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil

from projects import selectors
from projects.models import Package, ProjectVersion

register = template.Library()


@register.filter
def project_path(project_id: int) -> str:
    """The path of a project's page (``{{ project.pk|project_path }}``), as ``reverse()`` gives
    it, made from the pattern reversed once per script prefix: a list page links 50 projects,
    and ``{% url %}`` took half the time of rendering its rows."""
    head, tail = _project_path_around(get_script_prefix())
    return f"{head}{project_id}{tail}"


#: Any number: the reversed path is split around it.
_MARKER = 987654321


@functools.lru_cache(maxsize=8)
def _project_path_around(script_prefix: str) -> tuple[str, str]:
    head, tail = reverse("projects:project", args=[_MARKER]).split(str(_MARKER))
    return head, tail


@register.filter
def parsed_version(stored: ProjectVersion) -> str:
    """A stored (raw) version as its project shows it: prefix and leading ``v`` removed."""
    return stored.project.make_version(stored.version).parsed


@register.filter
def relative(moment: datetime | None, due: str = "") -> str:
    """A time in words next to its date: ``just now``, ``5 minutes ago``, ``in 59 minutes``.
    With an argument (``"due now"``), a moment already past reads as that argument: a next
    check that is overdue is due now, not "3 minutes ago"."""
    if moment is None:
        return ""
    now = timezone.now()
    seconds = (moment - now).total_seconds()
    if seconds <= 0 and due:
        return due
    if abs(seconds) < 60:
        return "just now"
    if seconds > 0:
        return f"in {timeuntil(moment, now, depth=1)}"
    return f"{timesince(moment, now, depth=1)} ago"


@register.filter
def mapping_url(package: Package) -> str:
    """The distro's page for this package (``DISTRO_MAPPING_LINKS``), or ``""``."""
    link: str | None = settings.DISTRO_MAPPING_LINKS.get(package.distro.name)
    if not link:
        return ""
    return link.replace("%s", quote(package.package_name, safe=""))


@register.filter
def distro_url(name: str, page: str = "distro") -> str:
    """The URL of a distro's page (or ``"distro_feed"``), or ``""`` for a name no URL can
    carry (a ``/`` in it): the name is then shown without a link instead of failing."""
    try:
        return reverse(f"projects:{page}", args=[name])
    except NoReverseMatch:
        return ""


@register.simple_tag
def open_flag_count() -> int:
    """How many flags wait for an administrator (the admin index shows it)."""
    return selectors.open_flags().count()


def _query_sorted_by(request: HttpRequest, sort: str) -> str:
    """The request's query string with ``sort`` in place of its sort and without its page, as
    ``QueryDict.copy()`` and ``urlencode()`` would give it (copying deep cost more)."""
    pairs: list[tuple[str, str]] = []
    placed = False
    for key, values in request.GET.lists():
        if key == "sort" and not placed:
            pairs.append(("sort", sort))
            placed = True
        elif key not in ("sort", "page"):
            pairs.extend((key, value) for value in values)
    if not placed:
        pairs.append(("sort", sort))
    return urlencode(pairs)


#: The arrow after the label of the column the list is sorted by.
_SORT_ARROWS = {
    "ascending": ' <span aria-hidden="true">▲</span>',
    "descending": ' <span aria-hidden="true">▼</span>',
    "none": "",
}


@register.simple_tag(takes_context=True)
def sort_header(
    context: template.Context, label: str, column: str, css_class: str = ""
) -> SafeString:
    """A column header that sorts the whole list by ``column`` (and reverses on a second
    click). Built in Python: a list page has three, and an included template each cost more
    than the rows around them."""
    request: HttpRequest = context["request"]
    current = context.get("sort", "name_asc")
    ascending = current == f"{column}_asc"
    descending = current == f"{column}_desc"
    aria_sort = "ascending" if ascending else "descending" if descending else "none"
    css = format_html(' class="{}"', css_class) if css_class else ""
    return format_html(
        '<th scope="col"{} aria-sort="{}"><a href="?{}">{}{}</a></th>',
        css,
        aria_sort,
        _query_sorted_by(request, f"{column}_desc" if ascending else f"{column}_asc"),
        label,
        mark_safe(_SORT_ARROWS[aria_sort]),  # noqa: S308 (constant markup)
    )
