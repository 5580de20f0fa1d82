"""Template helpers for the site: versions as users read them, mapping links, sort links."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from projects.models import Package, ProjectVersion

register = template.Library()


@register.filter
def parsed_version(stored: ProjectVersion) -> str:
    """A stored (raw) version as its project shows it: prefix and leading ``v`` removed."""
    return stored.project.make_version(stored.version).parsed


@register.filter
def mapping_url(package: Package) -> str:
    """The distro's page for this package (``DISTRO_MAPPING_LINKS``), or ``""``."""
    link = settings.DISTRO_MAPPING_LINKS.get(package.distro.name)
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


@register.inclusion_tag("projects/_sort_header.html", takes_context=True)
def sort_header(context: template.Context, label: str, column: str, css_class: str = "") -> dict:
    """A column header that sorts the whole list by ``column`` (and reverses on a second click)."""
    request: HttpRequest = context["request"]
    current = context.get("sort", "name_asc")
    ascending = current == f"{column}_asc"
    descending = current == f"{column}_desc"
    query = request.GET.copy()
    query["sort"] = f"{column}_desc" if ascending else f"{column}_asc"
    query.pop("page", None)
    return {
        "label": label,
        "css_class": css_class,
        "href": "?" + query.urlencode(),
        "aria_sort": "ascending" if ascending else "descending" if descending else "none",
    }
