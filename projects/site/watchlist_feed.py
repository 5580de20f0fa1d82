"""The private Atom feed of a person's watchlist, at a secret URL a feed reader can read
without signing in (``/watchlist/feed/<secret>/``), and its box on /settings/notifications/
(make the URL, replace it, remove it).

The URL is shown once: right after it is made or replaced, the next settings page shows it
and forgets it (it waits in the session for that page only, like a webhook's secret). Only
its hash is stored. A secret never issued, replaced, removed, or of a banned person all get
the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from projects.notify import selectors, services
from projects.notify.models import WatchlistFeed
from projects.site.common import SignedInRequest
from projects.site.feeds import Entry, Source, VersionFeed

#: Where a feed URL just made waits, in the session, for the one page showing it.
NEW_FEED_URL_SESSION_KEY = "notify.new_feed_url"
#: The settings page's box, where every form here sends the person back.
BOX_ANCHOR = "#watchlist-feed"


class PrivateWatchlistFeed(VersionFeed):
    """The latest versions of the projects a person watches, as their watches' rules allow."""

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        # One person's feed: no shared cache keeps it, no search engine lists its address.
        response["Cache-Control"] = "private, no-cache"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def get_object(self, request: HttpRequest, secret: str) -> Source:
        user = services.watchlist_feed_owner(secret)
        if user is None:
            raise Http404("No such feed.")
        rows = selectors.watchlist_feed_versions(user)
        return Source(
            title="releasemon: your watchlist",
            subtitle=f"The latest versions of the projects {user.username} watches, as the "
            "watches' rules allow.",
            page=request.build_absolute_uri(reverse("projects:watchlist")),
            feed=request.build_absolute_uri(request.path),
            entries=[
                Entry(
                    stored=row,
                    version=row.project.make_version(row.version).parsed,
                    link=request.build_absolute_uri(
                        reverse("projects:project", args=[row.project_id])
                    ),
                )
                for row in rows
            ],
        )


@dataclass(frozen=True)
class FeedBox:
    """What the settings page says about the feed: whether there is one, and its URL the
    one time it is shown."""

    feed: WatchlistFeed | None
    new_url: str | None


def settings_box(request: SignedInRequest) -> FeedBox:
    """The feed box of the settings page; reading it forgets a URL waiting to be shown."""
    new_url = request.session.pop(NEW_FEED_URL_SESSION_KEY, None)
    feed = WatchlistFeed.objects.filter(user=request.user).first()
    return FeedBox(feed, new_url if feed is not None and isinstance(new_url, str) else None)


def _make_url(request: SignedInRequest, message: str) -> HttpResponse:
    secret = services.watchlist_feed_new_secret(request.user)
    request.session[NEW_FEED_URL_SESSION_KEY] = request.build_absolute_uri(
        reverse("projects:watchlist_feed", args=[secret])
    )
    messages.success(request, message)
    return redirect(reverse("projects:notifications") + BOX_ANCHOR)


@login_required
@require_POST
def feed_create(request: SignedInRequest) -> HttpResponse:
    return _make_url(
        request, "Feed URL made. Copy it into your feed reader now: it will not be shown again."
    )


@login_required
@require_POST
def feed_rotate(request: SignedInRequest) -> HttpResponse:
    return _make_url(
        request,
        "New feed URL made: the old one no longer works. Copy the new one now: it will not be "
        "shown again.",
    )


@login_required
@require_POST
def feed_remove(request: SignedInRequest) -> HttpResponse:
    if services.watchlist_feed_remove(request.user):
        messages.success(request, "Feed URL removed: it no longer works.")
    else:
        messages.info(request, "You had no feed URL.")
    return redirect(reverse("projects:notifications") + BOX_ANCHOR)
