"""The contract between the check pipeline and the upstream modules.

A backend receives a frozen :class:`ProjectSpec` and an :class:`~backends.http.HttpClient`,
and returns the releases it found upstream, raw and in any order. It never sorts, filters,
strips prefixes or touches the database: :mod:`backends.pipeline` does that once for all.
Its errors live in :mod:`backends.errors` (the HTTP client raises them too) and are
re-exported here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from backends.errors import BackendError, NotModified, RateLimited

if TYPE_CHECKING:
    from backends.http import HttpClient

__all__ = [
    "Backend",
    "BackendError",
    "FeedEntry",
    "FieldHelp",
    "NotModified",
    "PartialListing",
    "ProjectSpec",
    "RateLimited",
    "Release",
]


@dataclass(frozen=True)
class ProjectSpec:
    """The project fields a check may use, detached from the database."""

    name: str
    homepage: str
    backend: str
    version_url: str | None = None
    regex: str | None = None
    version_prefix: str | None = None
    version_scheme: str | None = None
    version_pattern: str | None = None
    pre_release_filter: str | None = None
    version_filter: str | None = None
    insecure: bool = False
    releases_only: bool = False
    ecosystem_name: str | None = None
    # Validators of the last successful check, sent back as If-None-Match / If-Modified-Since.
    etag: str | None = None
    last_modified: str | None = None
    # Raw version strings already stored for the project (empty on a first check).
    stored_versions: tuple[str, ...] = ()
    # Those of them marked withdrawn (gone upstream): never the latest version.
    withdrawn_versions: tuple[str, ...] = ()
    # The stored latest version, and the digest of what it was worked out from
    # (backends/latest_basis.py): an unchanged check keeps it without re-reading the history.
    latest_version: str | None = None
    latest_basis: str = ""
    # Credentials split off the project's URLs (backends/credentials.py): origin
    # ("https://host[:port]") -> (username, password). The client sends them to that origin
    # only; backends never put them in a URL or a message. Left out of repr and comparisons.
    credentials: Mapping[str, tuple[str, str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def first_check(self) -> bool:
        """True while nothing is stored: paging backends then read every page."""
        return not self.stored_versions


@dataclass(frozen=True)
class Release:
    """One version as the upstream spells it."""

    version: str
    commit_url: str | None = None
    published_at: dt.datetime | None = None
    withdrawn: bool = False
    """Listed, but withdrawn by the upstream (a yanked PyPI release): never stored as new."""


class PartialListing(list[Release]):
    """What :meth:`Backend.fetch` returns when this answer lists only some of the upstream's
    versions although the backend usually reads them all (``lists_every_version``): a
    "latest only" fallback, a listing cut short at a page limit. The versions it lacks are
    not gone upstream, so the check withdraws none of them for being missing; versions it
    lists as ``withdrawn`` still are (the upstream said so)."""


@dataclass(frozen=True)
class FeedEntry:
    """A recent release announced by an upstream's feed."""

    name: str
    version: str
    homepage: str | None = None


@dataclass(frozen=True)
class FieldHelp:
    """How the project form presents one field for a backend."""

    label: str
    help_text: str = ""
    required: bool = False


class Backend:
    """Base class of every upstream module.

    Subclasses set ``name`` (the exact stored string), ``examples`` and ``fields`` (which project
    fields the backend reads, with labels and help for the forms) and implement :meth:`fetch`.
    """

    name: ClassVar[str]
    examples: ClassVar[tuple[str, ...]] = ()
    fields: ClassVar[dict[str, FieldHelp]] = {}
    default_regex: ClassVar[str | None] = None
    more_info: ClassVar[str | None] = None
    required_version_url: ClassVar[bool] = False
    default_version_scheme: ClassVar[str] = "RPM"
    check_interval: ClassVar[dt.timedelta] = dt.timedelta(hours=1)
    has_feed: ClassVar[bool] = False
    lists_every_version: ClassVar[bool] = False
    """True when :meth:`fetch` returns the upstream's whole list on every check (a registry's
    document, a repository's reference list), so a stored version missing from it has gone
    upstream. Paging backends (later checks read the newest page) and web pages (they often
    show the current release only) leave it False: they never withdraw a version for being
    missing. A backend that usually lists everything but answers with less this time returns
    a :class:`PartialListing`. Every backend reports a release its upstream explicitly
    withdrew (yanked, retired, retracted) with ``Release.withdrawn``, whatever this says."""

    def fetch(self, spec: ProjectSpec, http: HttpClient) -> list[Release]:
        """Return every release the upstream lists, raw, in any order (a
        :class:`PartialListing` when the answer lists only some of them).

        Raise :class:`BackendError` (or :class:`RateLimited`) when the upstream cannot be read,
        and let :class:`NotModified` from the client propagate.
        """
        raise NotImplementedError

    def version_url(self, spec: ProjectSpec) -> str:
        """The URL shown as "Version check url" on the project page."""
        return spec.version_url or spec.homepage

    def rate_limit_scope(self, spec: ProjectSpec) -> str:
        """What an upstream rate limit of this project's checks applies to.

        The scheduler defers every project whose scope is blocked. By default that is the
        host of :meth:`version_url` (the host :class:`~backends.http.HttpClient` names when it
        answers 429); backends whose limit is per API or per token override it.
        """
        try:
            host = urlsplit(self.version_url(spec) or "").hostname
        except ValueError:
            host = None
        return host or self.name

    def check_feed(self, http: HttpClient) -> list[FeedEntry]:
        """Recent releases announced by the upstream's feed (only where ``has_feed``)."""
        raise NotImplementedError(f"{self.name} has no release feed")
