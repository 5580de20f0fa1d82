"""Newest versus highest on the project page: the version its upstream published last.

The versions are the page's (:attr:`Project.visible_versions`, withdrawn ones left out), so
the highest is the page's latest version; only versions with an upstream publication date
(``ProjectVersion.published_at``) count as published. The rule is
:mod:`backends.versions.newest`, which the API's JSON applies too
(``projects/representations/project_json.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backends.versions import Version
from backends.versions import newest as rule
from projects.models import Project, ProjectVersion

Pair = tuple[ProjectVersion, Version]


@dataclass(frozen=True)
class PublishedVersion:
    """A version as the page names it, with its upstream publication date."""

    version: str
    published_at: dt.datetime


def _published(pair: Pair) -> dt.datetime | None:
    return pair[0].published_at


def _retrieved(pair: Pair) -> dt.datetime | None:
    return pair[0].created_on


def _live(project: Project) -> list[Pair]:
    return [pair for pair in project.visible_versions if pair[0].withdrawn_on is None]


def _shown(pair: Pair | None) -> PublishedVersion | None:
    if pair is None or pair[0].published_at is None:
        return None
    return PublishedVersion(pair[1].parsed, pair[0].published_at)


def newest_published(project: Project) -> PublishedVersion | None:
    """The visible, non-withdrawn version published last (of those published at the same
    moment, the highest by the scheme); None when no version has a publication date."""
    return _shown(rule.most_recently_published(_live(project), _published))


def newest_if_not_highest(project: Project) -> PublishedVersion | None:
    """:func:`newest_published` when it is not the project's latest (highest) version and
    came out after it (a backport), else None."""
    return _shown(rule.newest_when_not_highest(_live(project), _published, _retrieved))
