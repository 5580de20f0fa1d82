"""The project page, the project list and the search results as anonymous visitors (and
crawlers) see them, rendered once per process and reused for :data:`PAGE_TTL` seconds at most
while the catalogue generation and the stamps of the projects they show hold.

A signed-in user's page shows their own buttons, flags and watches and is always rendered.
An anonymous visitor's page is the same for everyone unless the request carries a session
or messages (a redirect after a form), or rendering it asked for a CSRF token or set a cookie;
those are rendered and never kept. A check that stores a version moves the stamp and a
mapping change the generation, so both show on the next request; what moves neither (the
relative "next check in ..." time, a rate-limit block, the footer's last check run) is at
most :data:`PAGE_TTL` seconds old.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from projects import catalogue
from projects.catalogue import GenerationCache
from projects.representations import stamp_and_generation, stamps_of

PAGE_TTL = 30.0

#: ("project", project id, path with query) or ("list", path with query).
Key = tuple[Any, ...]
#: A project page's stamp, or the (id, stamp) pairs of a list page's projects.
Stamp = str | tuple[tuple[int, str], ...]
#: key -> (stamp, status, content type, body).
_pages = GenerationCache(ttl=PAGE_TTL, max_size=32_000_000, size=lambda page: len(page[3]))


def _shared(request: HttpRequest) -> bool:
    """Whether this request gets the page every anonymous visitor gets."""
    if request.user.is_authenticated or request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def anonymous_page(
    request: HttpRequest, project_id: int, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """``render()``'s page, or the same page rendered earlier for another anonymous visitor."""
    if not _shared(request):
        return render()
    found = stamp_and_generation(project_id)
    if found is None:
        return render()  # (no such project: its 404)
    stamp, current = found
    return _kept_or_rendered(request, ("project", project_id), current, stamp, render)


def anonymous_list_page(
    request: HttpRequest,
    page_ids: Callable[[int | None], Sequence[int]],
    render: Callable[[], HttpResponse],
) -> HttpResponse:
    """``render()``'s list page, or the same page rendered earlier for another anonymous
    visitor: ``page_ids(generation)`` are the projects it shows (read from the remembered id
    lists, ``catalogue.ordered_ids``), and it is reused while the generation holds and their
    stamps are what they were, for :data:`PAGE_TTL` seconds at most."""
    if not _shared(request) or not catalogue.trusted():
        return render()
    current = catalogue.generation()
    stamps = tuple(stamps_of(page_ids(current)))
    return _kept_or_rendered(request, ("list",), current, stamps, render)


def _kept_or_rendered(
    request: HttpRequest,
    kind: Key,
    current: int | None,
    stamp: Stamp,
    render: Callable[[], HttpResponse],
) -> HttpResponse:
    """The page kept under ``kind`` and the request's path if it was rendered under
    ``current`` and ``stamp``; else ``render()``'s, kept for the next anonymous visitor unless
    it is personal."""
    key = (*kind, request.get_full_path())
    page = _pages.get(key, current)
    if page is not None and page[0] == stamp:
        return HttpResponse(page[3], status=page[1], content_type=page[2])
    response = render()
    personal = request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies
    if response.status_code == 200 and not personal and not response.streaming:
        content_type = response.get("Content-Type", "text/html; charset=utf-8")
        _pages.put(key, current, (stamp, response.status_code, content_type, response.content))
    return response


def forget_pages() -> None:
    """Drop every kept page (tests; after editing by hand)."""
    _pages.clear()
