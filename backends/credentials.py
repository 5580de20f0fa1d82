"""Credentials typed into a URL (``https://user:password@host/simple/``), kept apart from it.

A private index or FTP server is usually given with its credentials in the URL. They are split
off when a project is saved (``projects.services``) so that the stored URL, which every page,
API answer, feed, message and log line shows, never holds them; the check gets them back
through :attr:`backends.base.ProjectSpec.credentials`, keyed by :func:`origin`, and
:class:`~backends.http.HttpClient` sends them to that exact origin (scheme, host and port) and
nowhere else. Pure: no Django.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

#: ``origin`` -> (username, password): what a check may send, and where.
Credentials = dict[str, tuple[str, str]]

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ftps": 21}
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")


def origin(url: str | None) -> str | None:
    """``scheme://host[:port]`` of ``url`` (lower case, default port left out); None if it
    has no scheme or host. Credentials are stored and sent under this key."""
    if not url or "://" not in url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not scheme or not host:
        return None
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


def split_userinfo(url: str | None) -> tuple[str | None, tuple[str, str] | None]:
    """``url`` without its userinfo, and the (username, password) it held (None: none).

    Only ``scheme://user:password@host...`` URLs are changed; anything else (``owner/repo``,
    an ``scp``-like ``git@host:repo``) is returned as it is. Percent-escapes in the userinfo
    are decoded: the credentials are stored as the server expects them.
    """
    if not url or "://" not in url or "@" not in url:
        return url, None
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    if "@" not in parts.netloc or not parts.scheme:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    clean = urlunsplit(parts._replace(netloc=hostport))
    return clean, (unquote(username), unquote(password))


def redact(text: str) -> str:
    """``text`` with the userinfo of every URL in it removed (raw input, before it is saved)."""
    return _USERINFO.sub(r"\1", text)
