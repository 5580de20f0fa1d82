"""Directory listings: the subdirectories an HTML index or an FTP LIST names, and their order.

Pure functions: the client fetches a listing, these read it (for ``list_directory``) and pick
the highest subdirectory for each ``*`` glob of a version URL, listing with the client, in
the order the client gives (version schemes are not this package's business).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from backends.errors import BackendError


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value.strip())


def html_subdirectories(base_url: str, html: str) -> list[str]:
    """Names of the direct subdirectories an HTML index links to, in page order.

    Relative links (``1.0/``, ``./1.0/``) and links that resolve to a direct child of
    ``base_url`` count; parent links, sort links (``?C=N``) and other sites do not.
    """
    parser = _LinkParser()
    try:
        parser.feed(html)
        parser.close()
    except (ValueError, AssertionError):  # pragma: no cover - html.parser is lenient
        pass
    base = urlsplit(base_url)
    base_path = base.path if base.path.endswith("/") else base.path.rsplit("/", 1)[0] + "/"
    names: list[str] = []
    for href in parser.hrefs:
        if not href.endswith("/") or "?" in href or "#" in href:
            continue
        target = urlsplit(urljoin(base_url, href))
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            continue
        if not target.path.startswith(base_path):
            continue
        name = target.path[len(base_path) :].rstrip("/")
        if not name or "/" in name or name in (".", ".."):
            continue
        if name not in names:
            names.append(name)
    return names


def ftp_subdirectories(listing: str) -> list[str]:
    """Directory names of a Unix-style FTP LIST: lines starting with ``d``, last column."""
    names: list[str] = []
    for line in listing.splitlines():
        if not line.startswith("d"):
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        name = parts[-1]
        if name not in (".", "..") and name not in names:
            names.append(name)
    return names


def expand_globs(
    url: str, list_directory: Callable[[str], list[str]], sort_key: Callable[[str], Any]
) -> str:
    """Replace each path segment containing ``*`` by the highest matching subdirectory.

    ``https://h/pub/*/sub/v*/`` lists ``/pub/``, picks the highest match by ``sort_key``, then
    lists ``/pub/<it>/sub/`` for ``v*``, and so on, level by level; ``list_directory`` reads a
    directory's subdirectory names (the client's, over HTTP or FTP).
    """
    parts = urlsplit(url)
    segments = parts.path.split("/")
    for index, segment in enumerate(segments):
        if "*" not in segment:
            continue
        parent_path = "/".join(segments[:index]) + "/"
        parent = urlunsplit((parts.scheme, parts.netloc, parent_path, "", ""))
        names = list_directory(parent)
        matches = [name for name in names if fnmatch.fnmatchcase(name, segment)]
        if not matches:
            raise BackendError(f'{url}: no directory in "{parent}" matches "{segment}"')
        segments[index] = max(matches, key=sort_key)
    return urlunsplit(parts._replace(path="/".join(segments)))
