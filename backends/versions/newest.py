"""Newest versus highest: the version an upstream published last, and when it is not the
highest one by the project's scheme (a release on an older line, e.g. CPython 3.11.9 after
3.12.0).

Both functions take a project's live versions highest first (the scheme's order, as
``Project.visible_versions`` and the API's ``shown_versions`` give them, withdrawn ones left
out) and read their dates through the callables given, so the project page (model rows) and
the API (plain rows) apply one rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

Item = TypeVar("Item")
DateOf = Callable[[Item], datetime | None]


def most_recently_published(items: Iterable[Item], published: DateOf[Item]) -> Item | None:
    """The item with the latest publication date; items without one do not count. ``items``
    come highest first, so of versions published at the same moment the highest wins."""
    best: Item | None = None
    best_date: datetime | None = None
    for item in items:
        moment = published(item)
        if moment is not None and (best_date is None or moment > best_date):
            best, best_date = item, moment
    return best


def newest_when_not_highest(
    items: Sequence[Item], published: DateOf[Item], retrieved: DateOf[Item]
) -> Item | None:
    """The most recently published item when it is not the highest (``items[0]``) and is
    known to have come out after it: published after the highest was published, or, where
    the upstream gave the highest no date, after it was first retrieved (it existed then).
    Otherwise None: the newest is the highest, or the dates cannot tell."""
    if not items:
        return None
    newest = most_recently_published(items, published)
    highest = items[0]
    if newest is None or newest is highest:
        return None
    since = published(highest) or retrieved(highest)
    moment = published(newest)
    if since is None or moment is None or moment <= since:
        return None
    return newest
