"""What goes wrong on the way out, and the one line a person reads about it.

The exceptions a fetch raises (:class:`HTTPStatusError`, :class:`FetchError`,
:class:`ResponseTooLarge`, :class:`UnsafeURL`, all :class:`~backends.errors.BackendError`) and
the functions that word a failed connection, DNS lookup, TLS handshake, HTTP status or FTP
conversation for people: the host or URL (never its credentials), what happened, what to try.
"""

from __future__ import annotations

import errno
import ftplib
import re
import socket
import ssl
from http import HTTPStatus
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

from backends.credentials import DEFAULT_PORTS, redact
from backends.errors import BackendError


class HTTPStatusError(BackendError):
    """The upstream answered with a status the caller did not accept."""

    def __init__(self, url: str, status: int, reason: str = "") -> None:
        self.url = url
        self.status = status
        self.reason = reason
        super().__init__(status_message(url, status, reason))


class FetchError(BackendError):
    """The upstream could not be reached or its answer could not be read.

    ``reason`` is the short cause ("the connection was refused"); the message is the whole
    sentence a user reads: the host or URL, what happened, and what to try.
    """

    def __init__(self, url: str, reason: str, message: str | None = None) -> None:
        self.url = url
        self.reason = reason
        ending = "" if reason.endswith((".", "…")) else "."
        super().__init__(message or f"Could not read {display_url(url)}: {reason}{ending}")


class ResponseTooLarge(BackendError):
    """The answer is bigger than the operator's cap; the rest of it was not read."""

    def __init__(self, url: str, limit: int) -> None:
        self.url = url
        self.limit = limit
        super().__init__(
            f"{display_url(url)} answered more than {limit} bytes, the most a check reads. "
            "Point the project at a smaller page (a list of releases, not a download)."
        )


class UnsafeURL(BackendError):
    """The URL points somewhere a check must not go (a private address, a file: URL, ...)."""


# -- the messages a user reads ----------------------------------------------------------------
#
# Every failure ends up as one line on the project page, in the API's error bodies and in the
# logs: it names the host or URL, says what happened in plain words, and what to try. Never a
# Python repr, an object address, an errno or a traceback; never the credentials of a URL.

_MAX_URL_IN_MESSAGE = 150
_CHECK_URL = "Check the version URL."
_TEMPORARY = "This is usually temporary; the next check tries again."
_OVERLOADED = "The server may be overloaded; the next check tries again."

#: status -> (what happened, what to try), for the statuses upstreams answer most.
_STATUS_HELP: dict[int, tuple[str, str]] = {
    400: ("the server refused the request as malformed", _CHECK_URL),
    401: (
        "the page needs a login",
        "For a private page, put the credentials in the URL (https://user:password@host/...).",
    ),
    403: (
        "access is forbidden",
        "The page may be private, or the server may block automated requests.",
    ),
    404: ("the page does not exist (any more)", _CHECK_URL),
    410: ("the page was removed", _CHECK_URL),
    451: ("the page is unavailable for legal reasons", _CHECK_URL),
    500: ("the server failed with an internal error", _TEMPORARY),
    502: ("a gateway in front of the server got no valid answer from it", _TEMPORARY),
    503: ("the service is unavailable for now (maintenance or overload)", _TEMPORARY),
    504: ("a gateway in front of the server got no answer from it in time", _TEMPORARY),
}

#: errno of a failed connection -> (what happened, what to try).
_ERRNO_HELP: dict[int, tuple[str, str]] = {
    errno.ENETUNREACH: (
        "the network is unreachable",
        "Is this machine offline, or behind a firewall that blocks it?",
    ),
    errno.EHOSTUNREACH: (
        "there is no route to the host",
        "Is the server up? A firewall may also be in the way.",
    ),
    errno.EHOSTDOWN: ("the host is down", "Is the server up, and is the URL right?"),
    errno.ETIMEDOUT: (
        "the connection timed out",
        "Is the server up? A firewall may also be dropping the connection.",
    ),
    errno.EADDRNOTAVAIL: ("this machine has no network address to connect from", "Is it offline?"),
    errno.EACCES: ("a firewall of this machine refused the connection", "Check its rules."),
    errno.EPERM: ("a firewall of this machine refused the connection", "Check its rules."),
}
#: getaddrinfo errors that mean "ask again later", not "no such host".
_DNS_TEMPORARY = {
    code for code in (getattr(socket, "EAI_AGAIN", None), getattr(socket, "EAI_FAIL", None)) if code
}


def display_url(url: str) -> str:
    """``url`` as a message shows it: without credentials, printable, at most 150 characters."""
    text = "".join(char for char in redact(str(url)) if char.isprintable())
    return _clip(text, _MAX_URL_IN_MESSAGE)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return _clip(host, 100) if host else display_url(url)


def _endpoint(url: str) -> str:
    """``host port N``: where the connection to ``url`` went."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        port = None
    host = _host_of(url)
    return f"{host} port {port}" if port else host


def status_message(url: str, status: int, reason: str = "") -> str:
    """``<url> answered HTTP 404 Not Found: <what that means>. <what to try>``."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = _clip(" ".join("".join(c for c in reason if c.isprintable()).split()), 40)
    if status in _STATUS_HELP:
        what, advice = _STATUS_HELP[status]
    elif 500 <= status < 600:
        what, advice = "the server failed", _TEMPORARY
    elif 400 <= status < 500:
        what, advice = "the server refused the request", _CHECK_URL
    elif 300 <= status < 400:
        what, advice = "a redirect the check cannot follow (it names no target)", _CHECK_URL
    else:
        what, advice = "not the answer the check expected", _CHECK_URL
    answered = f"HTTP {status} {phrase}".rstrip()
    return f"{display_url(url)} answered {answered}: {what}. {advice}"


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and everything it wraps (urllib3's ``reason``, exceptions in its arguments,
    its cause and context), outermost first."""
    chain: list[BaseException] = []
    pending = [error]
    while pending and len(chain) < 16:
        current = pending.pop(0)
        if any(current is seen for seen in chain):
            continue
        chain.append(current)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            pending.append(reason)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return chain


def _find(chain: list[BaseException], *types: type) -> Any:
    return next((error for error in chain if isinstance(error, types)), None)


def _plain(error: BaseException) -> str:
    """An exception's own text as a plain clause: no errno, no reprs, no pool names."""
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        text = str(error.verify_message)
    elif isinstance(error, OSError) and error.strerror:
        text = str(error.strerror)
    else:
        text = str(error) or type(error).__name__
    text = re.sub(r"<[^<>]* object at 0x[0-9a-fA-F]+>:? ?", "", text)
    text = re.sub(r"\[Errno -?\d+\] ?", "", text)
    text = re.sub(r"\[SSL(?:: [A-Z0-9_]+)?\] ?", "", text)
    text = re.sub(r" ?\(_ssl\.c:\d+\)", "", text)
    text = re.sub(r"\w+\(host='[^']*', port=\d+\):? ?", "", text)
    text = " ".join(text.split()).strip(" .:")
    return _clip(text, 160) or type(error).__name__


def invalid_url(url: str, error: BaseException) -> UnsafeURL:
    """The readable :class:`UnsafeURL` for a URL that cannot even be parsed."""
    reason = re.sub(r"^(?:Invalid URL '[^']*'|Failed to parse): ", "", _plain(error))
    shown = display_url(url)
    detail = f" ({reason})" if reason and reason not in (url, shown) else ""
    return UnsafeURL(f"{shown} is not a valid URL{detail}. {_CHECK_URL}")


def connection_failure(url: str, error: BaseException) -> FetchError:
    """The readable :class:`FetchError` for a request or socket error while talking to ``url``."""
    chain = _causes(error)
    host, endpoint, shown = _host_of(url), _endpoint(url), display_url(url)
    if (cert := _find(chain, ssl.SSLCertVerificationError)) is not None:
        return FetchError(
            url,
            "the TLS certificate could not be verified",
            f"The TLS certificate of {host} could not be verified: {_plain(cert)}. Check that "
            "the URL names the site's own host; for a site with a self-signed certificate, "
            f"tick the project's Insecure option. ({shown})",
        )
    tls = _find(chain, ssl.SSLError, urllib3.exceptions.SSLError, requests.exceptions.SSLError)
    if tls is not None:
        inner = _find(chain, ssl.SSLError) or tls
        return FetchError(
            url,
            "the TLS connection failed",
            f"The TLS connection to {endpoint} failed: {_plain(inner)}. "
            f"Does the server speak https on this port? ({shown})",
        )
    if _find(chain, requests.exceptions.ProxyError, urllib3.exceptions.ProxyError) is not None:
        inner = _find(chain, OSError) or chain[-1]
        return FetchError(
            url,
            "the proxy could not be reached",
            f"Could not reach {host} through the proxy: {_plain(inner)}. "
            f"Check the proxy settings (http_proxy, https_proxy, no_proxy). ({shown})",
        )
    if _find(chain, socket.gaierror, urllib3.exceptions.NameResolutionError) is not None:
        return dns_failure(url, host, _find(chain, socket.gaierror) or error)
    if _find(chain, ConnectionRefusedError) is not None:
        return FetchError(
            url,
            "the connection was refused",
            f"Could not connect to {endpoint}: the connection was refused. "
            f"Is the server up, and is the URL right? ({shown})",
        )
    if _find(chain, ConnectionResetError, ConnectionAbortedError, BrokenPipeError) is not None:
        return FetchError(
            url,
            "the connection was reset",
            f"The connection to {host} was reset before the answer arrived. The server may be "
            f"overloaded or blocking automated requests; the next check tries again. ({shown})",
        )
    if _find(chain, RemoteDisconnected, urllib3.exceptions.ProtocolError) is not None:
        return FetchError(
            url,
            "the server closed the connection",
            f"{host} closed the connection without answering. The server may be overloaded "
            f"or blocking automated requests; the next check tries again. ({shown})",
        )
    failed = next((e for e in chain if isinstance(e, OSError) and e.errno in _ERRNO_HELP), None)
    if failed is not None and failed.errno is not None:
        what, advice = _ERRNO_HELP[failed.errno]
        return FetchError(url, what, f"Could not connect to {endpoint}: {what}. {advice} ({shown})")
    if _find(chain, TimeoutError, socket.timeout) is not None:
        return FetchError(
            url,
            "no answer in time",
            f"{host} did not answer in time. {_OVERLOADED} ({shown})",
        )
    inner = _find(chain, OSError) or chain[-1]
    return FetchError(url, _plain(inner))


def connect_timeout_failure(url: str, seconds: float) -> FetchError:
    """The readable :class:`FetchError` for a connection that was not accepted in time."""
    return FetchError(
        url,
        "the connection timed out",
        f"Could not connect to {_endpoint(url)}: the connection timed out after "
        f"{seconds:g} s. Is the server up? A firewall may also be dropping the "
        f"connection. ({display_url(url)})",
    )


def read_timeout_failure(url: str, seconds: float) -> FetchError:
    """The readable :class:`FetchError` for a server that accepted but did not answer in time."""
    return FetchError(
        url,
        "no answer in time",
        f"{_host_of(url)} accepted the connection but sent no answer within "
        f"{seconds:g} s. {_OVERLOADED} ({display_url(url)})",
    )


def dns_failure(url: str, host: str, error: BaseException) -> FetchError:
    """The readable :class:`FetchError` for a host name that could not be resolved."""
    shown = display_url(url)
    host = _clip(host, 100)
    if isinstance(error, UnicodeError):
        return FetchError(
            url,
            "invalid host name",
            f"The host name {host} is not valid. Check the spelling of the URL. ({shown})",
        )
    if getattr(error, "errno", None) in _DNS_TEMPORARY:
        return FetchError(
            url,
            "the DNS server did not answer",
            f"The host {host} could not be looked up: the DNS server did not answer. "
            f"Is this machine offline? The next check tries again. ({shown})",
        )
    return FetchError(
        url,
        "the host could not be found",
        f"The host {host} could not be found (DNS). Check the spelling of the URL. ({shown})",
    )


def ftp_failure(url: str, error: BaseException) -> FetchError:
    """The readable :class:`FetchError` for an FTP conversation that failed."""
    host, shown = _host_of(url), display_url(url)
    if isinstance(error, ftplib.Error):
        reply = _plain(error)
        if isinstance(error, ftplib.error_perm) and reply.startswith("530"):
            what, advice = "refused the login", "Check the user name and password in the URL."
        elif isinstance(error, ftplib.error_perm):
            what, advice = "refused the request", _CHECK_URL
        elif isinstance(error, ftplib.error_temp):
            what, advice = "cannot serve the request now", _TEMPORARY
        else:
            what, advice = "gave an unexpected answer", _TEMPORARY
        return FetchError(
            url, f"{what} ({reply})", f"The FTP server {host} {what}: {reply}. {advice} ({shown})"
        )
    if isinstance(error, EOFError):
        return FetchError(
            url,
            "the server closed the connection",
            f"The FTP server {host} closed the connection. {_TEMPORARY} ({shown})",
        )
    if isinstance(error, UnicodeError):
        return FetchError(
            url,
            "unreadable answer",
            f"The FTP server {host} answered text that could not be read. ({shown})",
        )
    return connection_failure(url, error)
