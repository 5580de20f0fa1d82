"""Small helpers the upstream modules share.

Each of them used to be copied into several modules; where the copies differed, the version
here keeps every guard any of them had (length bounds, out-of-range dates, unsafe links).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from bs4 import ParserRejectedMarkup

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HTTPStatusError, display_url

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from backends.http import HttpClient

# Longer links and versions are junk from a broken or hostile upstream, not worth storing.
MAX_URL_LENGTH = 500
MAX_VERSION_LENGTH = 200
# A commit hash: SHA-1 is 40 hex digits, SHA-256 64.
MAX_COMMIT_LENGTH = 64
# Far longer than any real date: a longer string is not parsed at all.
_MAX_DATE_LENGTH = 64
_WEB_SCHEMES = ("https://", "http://")


def as_dict(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else ``{}``: upstream answers are untrusted."""
    return value if isinstance(value, dict) else {}


def _as_utc(parsed: dt.datetime) -> dt.datetime:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def parse_iso_datetime(value: object) -> dt.datetime | None:
    """An ISO 8601 time as aware UTC, else None: a bad date must never fail a check."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > _MAX_DATE_LENGTH:
        return None
    try:
        return _as_utc(dt.datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # year 1 with a +14:00 offset is not a UTC date
        return None


def parse_rfc2822_datetime(value: str | None) -> dt.datetime | None:
    """An RSS ``pubDate`` (RFC 2822) as aware UTC, else None: a bad date never fails a check."""
    value = (value or "").strip()
    if not value or len(value) > _MAX_DATE_LENGTH:
        return None
    try:
        return _as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def web_url(value: object, prefixes: str | tuple[str, ...] = _WEB_SCHEMES) -> str | None:
    """``value`` if users may follow it (``prefixes``, no space, short to store), else None."""
    if (
        isinstance(value, str)
        and value.startswith(prefixes)
        and len(value) <= MAX_URL_LENGTH
        and not any(c.isspace() for c in value)
    ):
        return value
    return None


def commit_link(base: str, commit: object) -> str | None:
    """``base + commit`` as a :func:`web_url` if ``commit`` looks like a hash, else None."""
    if not isinstance(commit, str) or not commit.isalnum() or len(commit) > MAX_COMMIT_LENGTH:
        return None
    return web_url(base + commit)


def path_segment(name: str) -> str:
    """``name`` as one URL path segment: ``/`` or ``?`` cannot change the URL, ``gtk+`` stays."""
    return quote(name.strip(), safe="+")


def forge_url(url: str) -> tuple[str, list[str]] | None:
    """``(origin, parts)`` of ``<scheme>//<host>/<owner>/<repo>...`` (Anitya's rule), else None."""
    tokens = url.split("/")
    if len(tokens) < 5 or tokens[0].lower() not in ("http:", "https:") or tokens[1]:
        return None
    try:
        host = urlsplit(url).netloc
    except ValueError:
        return None
    parts = tokens[3:]
    if not host or any(part in ("", ".", "..") for part in parts):
        return None
    return f"{tokens[0].lower()}//{host}", parts


def hosted_repository(
    spec: ProjectSpec,
    hosts: tuple[str, ...],
    owner_name: re.Pattern[str],
    repository_name: re.Pattern[str],
) -> tuple[str, str] | None:
    """``(owner, repository)`` from ``owner/repo`` or a URL on ``hosts``, validated, else None."""
    value = (spec.version_url or "").strip()
    bare_allowed = bool(value)
    if not value:
        value = (spec.homepage or "").strip()
    if "://" not in value and value.lower().startswith(hosts):
        value = "https://" + value
    if "://" in value:
        try:
            parts = urlsplit(value)
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https"):
            return None
        if (parts.hostname or "").lower() not in hosts:
            return None
        value = parts.path
    elif not bare_allowed:
        return None
    segments = [segment for segment in value.split("/") if segment]
    if len(segments) < 2:
        return None
    owner, repository = segments[0], segments[1].removesuffix(".git")
    if not owner_name.fullmatch(owner) or not repository_name.fullmatch(repository):
        return None
    if {owner, repository} & {".", ".."}:
        return None
    return owner, repository


@contextmanager
def not_found_means(message: str) -> Iterator[None]:
    """Turn an HTTP 404 into ``message``: users must read "not there", not a failed request."""
    try:
        yield
    except HTTPStatusError as error:
        if error.status == 404:
            raise BackendError(message) from None
        raise


def releases_from_page(
    spec: ProjectSpec, http: HttpClient, url: str, parse: Callable[[str], list[Release]]
) -> list[Release]:
    """What ``parse`` reads off the page at ``url``; bad markup or no release is an error."""
    html = http.get_text(url, conditional=True)
    try:
        releases = parse(html)
    except ParserRejectedMarkup as error:
        raise BackendError(f"{url}: the page could not be parsed ({error})") from None
    if not releases:
        raise BackendError(
            f"{spec.name}: no upstream version found. The page {display_url(url)} was read, but "
            "it lists no tag or release. Check the version URL."
        )
    return releases


def local_name(element: Element) -> str:
    """An XML element's tag without its namespace: feeds come in RSS 2.0 and RSS 1.0 (RDF)."""
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def child_texts(root: Element, parent: str, child: str) -> list[str]:
    """The first non-blank ``child`` text of every ``parent``, namespaces ignored (feeds vary)."""
    texts = []
    for element in root.iter():
        if local_name(element) != parent:
            continue
        for sub in element:
            if local_name(sub) == child and sub.text and sub.text.strip():
                texts.append(sub.text.strip())
                break
    return texts


def rss_titles(root: Element) -> list[str]:
    """The titles of every item of an RSS 2.0 or RSS 1.0 (RDF) feed, whatever the namespace."""
    return child_texts(root, "item", "title")
