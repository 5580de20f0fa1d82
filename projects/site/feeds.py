"""Atom feeds of new versions: of one project, of the projects mapped in a distro, of an
ecosystem's projects, and of everything (Anitya users asked for them since 2019).

Each feed is one bounded query (the latest :data:`~projects.selectors.FEED_LENGTH` versions).
Links are absolute URLs of the site the reader asked, built from the request, so a feed read
through any host name links back to that host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from backends import ecosystems
from projects import selectors
from projects.models import ProjectVersion


@dataclass(frozen=True)
class Entry:
    """One new version, ready for the feed."""

    stored: ProjectVersion
    version: str
    link: str


@dataclass(frozen=True)
class Source:
    """What a feed is about: its title, its page, its own URL and its entries."""

    title: str
    subtitle: str
    page: str
    feed: str
    entries: list[Entry]


def _entries(request: HttpRequest, rows: list[ProjectVersion]) -> list[Entry]:
    return [
        Entry(
            stored=row,
            version=row.project.make_version(row.version).parsed,
            link=request.build_absolute_uri(reverse("projects:project", args=[row.project_id])),
        )
        for row in rows
    ]


class VersionFeed(Feed[Entry, Source]):
    """The shared shape; subclasses say which versions (``get_object``)."""

    feed_type = Atom1Feed
    author_name = "releasemon"

    def title(self, source: Source) -> str:
        return source.title

    def subtitle(self, source: Source) -> str:
        return source.subtitle

    def link(self, source: Source) -> str:
        return source.page

    def feed_url(self, source: Source) -> str:
        return source.feed

    def items(self, source: Source) -> list[Entry]:
        return source.entries

    def item_title(self, entry: Entry) -> str:
        return f"{entry.stored.project.name} {entry.version}"

    def item_description(self, entry: Entry) -> str:
        stored = entry.stored
        published = (
            format_html(", published on {} UTC", f"{stored.published_at:%Y-%m-%d %H:%M}")
            if stored.published_at
            else ""
        )
        commit = (
            format_html(' (<a href="{}">commit</a>)', stored.commit_url)
            if stored.commit_url
            else ""
        )
        return format_html(
            '<p>Version {} of <a href="{}">{}</a> was found on {} UTC{}{}.</p>',
            entry.version,
            entry.link,
            stored.project.name,
            f"{stored.created_on:%Y-%m-%d %H:%M}",
            published,
            commit,
        )

    def item_link(self, entry: Entry) -> str:
        return entry.link

    def item_guid(self, entry: Entry) -> str:
        return f"{entry.link}#version-{quote(entry.stored.version, safe='')}"

    def item_updateddate(self, entry: Entry) -> datetime:
        return entry.stored.created_on

    def item_pubdate(self, entry: Entry) -> datetime:
        return entry.stored.published_at or entry.stored.created_on


class AllVersionsFeed(VersionFeed):
    def get_object(self, request: HttpRequest) -> Source:
        return Source(
            title="releasemon: new versions",
            subtitle="The latest versions found upstream, of every project.",
            page=request.build_absolute_uri(reverse("projects:home")),
            feed=request.build_absolute_uri(reverse("projects:feed")),
            entries=_entries(request, selectors.recent_versions()),
        )


class ProjectVersionsFeed(VersionFeed):
    def get_object(self, request: HttpRequest, project_id: int) -> Source:
        project = selectors.project_detail(project_id)
        if project is None:
            raise Http404("No such project.")
        return Source(
            title=f"{project.name}: new versions",
            subtitle=f"The latest versions of {project.name} found upstream.",
            page=request.build_absolute_uri(reverse("projects:project", args=[project.pk])),
            feed=request.build_absolute_uri(reverse("projects:project_feed", args=[project.pk])),
            entries=_entries(request, selectors.recent_versions(project=project)),
        )


class DistroVersionsFeed(VersionFeed):
    def get_object(self, request: HttpRequest, name: str) -> Source:
        distro = selectors.distro_by_name(name)
        if distro is None:
            raise Http404("No such distribution.")
        return Source(
            title=f"{distro.name}: new versions",
            subtitle=f"The latest versions of the projects mapped in {distro.name}.",
            page=request.build_absolute_uri(reverse("projects:distro", args=[distro.name])),
            feed=request.build_absolute_uri(reverse("projects:distro_feed", args=[distro.name])),
            entries=_entries(request, selectors.recent_versions(distro=distro)),
        )


class EcosystemVersionsFeed(VersionFeed):
    def get_object(self, request: HttpRequest, name: str) -> Source:
        ecosystem = ecosystems.get_ecosystem(name)
        if ecosystem is None:
            raise Http404("No such ecosystem.")
        return Source(
            title=f"{ecosystem.name}: new versions",
            subtitle=f"The latest versions of the projects of {ecosystem.name}.",
            page=request.build_absolute_uri(reverse("projects:home")),
            feed=request.build_absolute_uri(
                reverse("projects:ecosystem_feed", args=[ecosystem.name])
            ),
            entries=_entries(request, selectors.recent_versions(ecosystem=ecosystem.name)),
        )
