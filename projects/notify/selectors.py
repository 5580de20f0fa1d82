"""Reads for the faces: a person's watchlist, watches, channels, delivery log and private
feed.

Every read is scoped to one user: another person's watch, channel or delivery is simply not
found, so the faces answer 404 for it without a second permission check.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import (
    Count,
    Exists,
    F,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from accounts.models import User
from projects.models import Distro, Package, Project, ProjectVersion
from projects.notify.models import Channel, Delivery, Watch
from projects.notify.rules import EventVersions
from projects.selectors import FEED_LENGTH

#: How many deliveries the delivery log shows, newest first.
DELIVERY_LOG_LENGTH = 50
#: A name filter longer than any project name finds nothing: it is cut here.
NAME_FILTER_MAX_LENGTH = 200

#: The watchlist's orders: ``?sort=`` value -> ORDER BY. Ties go by name, then id.
WATCHLIST_SORTS: dict[str, tuple[OrderBy | str, ...]] = {
    "name_asc": (Lower("name").asc(), "pk"),
    "name_desc": (Lower("name").desc(), "-pk"),
    "last_release_asc": (F("last_release").asc(nulls_first=True), Lower("name").asc(), "pk"),
    "last_release_desc": (F("last_release").desc(nulls_last=True), Lower("name").asc(), "pk"),
    "latest_asc": (F("latest_version").asc(nulls_first=True), Lower("name").asc(), "pk"),
    "latest_desc": (F("latest_version").desc(nulls_last=True), Lower("name").asc(), "pk"),
}
DEFAULT_WATCHLIST_SORT = "name_asc"
#: The short forms a hand-written URL may use: the order people usually want.
WATCHLIST_SORT_ALIASES = {
    "name": "name_asc",
    "last_release": "last_release_desc",
    "latest": "latest_desc",
}


def watchlist_sort_key(sort: str | None) -> str:
    """The ``?sort=`` value to use: a known one (any case), else sorting by name."""
    key = (sort or "").strip().lower()
    key = WATCHLIST_SORT_ALIASES.get(key, key)
    return key if key in WATCHLIST_SORTS else DEFAULT_WATCHLIST_SORT


def _distro_watches(user: User) -> QuerySet[Watch]:
    return Watch.objects.filter(user=user, distro__isnull=False)


def watchlist(user: User, *, sort: str | None = None, name: str = "") -> QuerySet[Project]:
    """The projects ``user`` watches, directly or through a watched distribution, in the
    order of ``sort``, those whose name holds ``name`` (ignoring case).

    Each project carries ``last_release`` (its newest version's published date, else when it
    was found), ``direct_watches`` (``user``'s watch of it, or nothing when it is watched
    through distributions only), ``watched_packages`` (its mappings in the distributions
    ``user`` watches, with their distribution) and its versions (for the latest stable one):
    a page of it takes one query and three prefetches, however many rows it has.
    """
    direct = Watch.objects.filter(user=user, project__isnull=False)
    through_distros = Package.objects.filter(distro__in=_distro_watches(user).values("distro"))
    newest_release = (
        ProjectVersion.objects.filter(project=OuterRef("pk"))
        .annotate(released=Coalesce("published_at", "created_on"))
        .order_by(F("released").desc(nulls_last=True))
        .values("released")[:1]
    )
    projects = (
        Project.objects.filter(
            Q(pk__in=direct.values("project")) | Q(pk__in=through_distros.values("project"))
        )
        .annotate(last_release=Subquery(newest_release))
        .prefetch_related(
            "versions",
            Prefetch("watches", queryset=direct, to_attr="direct_watches"),
            Prefetch(
                "packages",
                queryset=through_distros.select_related("distro").order_by(
                    Lower("distro__name"), "package_name"
                ),
                to_attr="watched_packages",
            ),
        )
    )
    name = name.strip()[:NAME_FILTER_MAX_LENGTH]
    if name:
        projects = projects.filter(name__icontains=name)
    return projects.order_by(*WATCHLIST_SORTS[watchlist_sort_key(sort)])


def watched_distros(user: User) -> QuerySet[Watch]:
    """``user``'s watches of whole distributions, with the distribution and how many
    packages are mapped in it (``package_count``), by distribution name."""
    return (
        _distro_watches(user)
        .select_related("distro")
        .annotate(package_count=Count("distro__packages"))
        .order_by(Lower("distro__name"))
    )


def user_watches(user: User) -> QuerySet[Watch]:
    """``user``'s watches with their project or distribution, oldest first."""
    return Watch.objects.filter(user=user).select_related("project", "distro").order_by("pk")


def user_watch(user: User, watch_id: int) -> Watch | None:
    """One of ``user``'s watches, with its project or distribution; None for anybody else's."""
    return user_watches(user).filter(pk=watch_id).first()


def project_watch(user: User, project: Project) -> Watch | None:
    """``user``'s watch of ``project`` itself (not through a distribution), if any."""
    return Watch.objects.filter(user=user, project=project).first()


def distro_watch(user: User, distro: Distro) -> Watch | None:
    """``user``'s watch of every project of ``distro``, if any."""
    return Watch.objects.filter(user=user, distro=distro).first()


def watches_of_project(user: User, project: Project) -> tuple[Watch | None, list[Distro]]:
    """``user``'s own watch of ``project`` (or None) and the watched distributions it is
    mapped in, by name: in one query."""
    mapped_here = Package.objects.filter(project=project, distro=OuterRef("distro"))
    watches = (
        Watch.objects.filter(user=user)
        .filter(Q(project=project) | Q(Exists(mapped_here)))
        .select_related("distro")
        .order_by(Lower("distro__name"))
    )
    own: Watch | None = None
    distros: list[Distro] = []
    for watch in watches:
        if watch.distro is not None:
            distros.append(watch.distro)
        else:
            own = watch
    return own, distros


def watched_project_ids(user: User, project_ids: list[int]) -> set[int]:
    """Which of ``project_ids`` ``user`` watches directly (one query)."""
    if not project_ids:
        return set()
    return set(
        Watch.objects.filter(user=user, project__in=project_ids).values_list(
            "project_id", flat=True
        )
    )


def user_channels(user: User) -> QuerySet[Channel]:
    """``user``'s channels, by name."""
    return Channel.objects.filter(user=user).order_by(Lower("name"), "pk")


def user_channel(user: User, channel_id: int) -> Channel | None:
    """One of ``user``'s channels; None for anybody else's."""
    return Channel.objects.filter(user=user, pk=channel_id).first()


def user_deliveries(user: User) -> QuerySet[Delivery]:
    """``user``'s deliveries with their channel and project, newest first."""
    return (
        Delivery.objects.filter(channel__user=user)
        .select_related("channel", "project")
        .order_by("-pk")
    )


def delivery_log(user: User, limit: int = DELIVERY_LOG_LENGTH) -> list[Delivery]:
    """``user``'s latest deliveries, newest first, with their channel and project."""
    return list(user_deliveries(user)[:limit])


def user_delivery(user: User, delivery_id: int) -> Delivery | None:
    """One of ``user``'s deliveries, with its channel; None for anybody else's."""
    return user_deliveries(user).filter(pk=delivery_id).first()


# -- the private watchlist feed --------------------------------------------------------------

#: How many recent versions are read to find the feed's FEED_LENGTH (the public feeds'
#: length): the watches' rules drop some.
FEED_WINDOW = 4 * FEED_LENGTH


def watchlist_feed_versions(user: User, limit: int = FEED_LENGTH) -> list[ProjectVersion]:
    """The latest versions of the projects ``user`` watches that their watches' rules allow,
    newest first (by when they were found), each with its project.

    The rules are those of the fan-out: the direct watch of a project decides alone,
    otherwise a version passes when one of the watched distributions it is mapped in lets it
    through; a version is shown once the allowing watch's maturity delay is over, and
    version-filtered ones never. Unlike a held delivery, a version superseded during the
    delay stays: a feed is a record of releases, not an alert. The latest :data:`FEED_WINDOW`
    versions are read, so a fixed number of queries (watches, versions, mappings, the
    projects' versions) answers, however many projects are watched.
    """
    watches = list(Watch.objects.filter(user=user))
    direct = {watch.project_id: watch for watch in watches if watch.project_id is not None}
    by_distro = {watch.distro_id: watch for watch in watches if watch.distro_id is not None}
    if not direct and not by_distro:
        return []
    mapped = Package.objects.filter(distro_id__in=by_distro).values("project_id")
    rows = list(
        ProjectVersion.objects.filter(Q(project_id__in=direct) | Q(project_id__in=mapped))
        .select_related("project")
        .order_by("-created_on", "-pk")[:FEED_WINDOW]
    )
    # One instance per project, its versions read in one query, for the rules' baselines.
    projects: dict[int, Project] = {}
    for row in rows:
        row.project = projects.setdefault(row.project_id, row.project)
    distro_watches: defaultdict[int, list[Watch]] = defaultdict(list)
    if by_distro:
        for project_id, distro_id in Package.objects.filter(
            project_id__in=[pid for pid in projects if pid not in direct],
            distro_id__in=by_distro,
        ).values_list("project_id", "distro_id"):
            distro_watches[project_id].append(by_distro[distro_id])
    prefetch_related_objects(list(projects.values()), "versions")
    return _allowed_rows(rows, direct, distro_watches)[:limit]


def _allowed_rows(
    rows: list[ProjectVersion],
    direct: dict[int, Watch],
    distro_watches: dict[int, list[Watch]],
) -> list[ProjectVersion]:
    now = timezone.now()
    by_project: defaultdict[int, list[tuple[ProjectVersion, str]]] = defaultdict(list)
    for row in rows:
        project = row.project
        if not project.is_version_filtered(row.version):
            by_project[project.pk].append((row, project.make_version(row.version).parsed))
    kept: set[int] = set()
    for project_id, found in by_project.items():
        own = direct.get(project_id)
        watches = [own] if own is not None else distro_watches.get(project_id, [])
        versions = EventVersions(found[0][0].project, [text for _, text in found], None)
        allowed = [(watch, set(versions.allowed_for(watch))) for watch in watches]
        for row, text in found:
            if any(
                text in passed and now >= row.created_on + dt.timedelta(hours=watch.hold_hours)
                for watch, passed in allowed
            ):
                kept.add(row.pk)
    return [row for row in rows if row.pk in kept]
