"""The only way out to the network: one :class:`HttpClient` per check.

Every URL a check fetches comes from a user (a project's homepage or version URL) or from an
upstream (a redirect, a directory listing), so every request is treated as hostile:

- the host is resolved first and refused if any of its addresses is loopback, private,
  link-local, metadata, ... (unless the operator allows that network), on every redirect hop;
- the connection is then pinned to the checked address, so a DNS answer that changes between
  our check and the connection (DNS rebinding) cannot send us elsewhere;
- bodies are streamed and capped, timeouts are always set, redirects are followed by hand;
- XML goes through defusedxml, JSON errors become readable :class:`BackendError` messages.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fnmatch
import ftplib
import ipaddress
import json as jsonlib
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http import HTTPStatus
from http.client import RemoteDisconnected
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from requests.structures import CaseInsensitiveDict

from backends.base import BackendError, NotModified, RateLimited
from backends.budget import Budget, Limits
from backends.credentials import DEFAULT_PORTS, redact
from backends.credentials import origin as url_origin
from backends.versions import RpmVersion

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

HTTP_SCHEMES = ("http", "https")
FTP_SCHEMES = ("ftp", "ftps")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_CHUNK_SIZE = 64 * 1024
# A hostile upstream can trickle one byte per read timeout; a whole body must arrive within
# this many read timeouts (checked between chunks).
_BODY_DEADLINE_FACTOR = 4
# Upstreams announce their own reset time; never believe one further away than this.
_MAX_RATE_LIMIT_WAIT = dt.timedelta(days=1)
_DEFAULT_RATE_LIMIT_WAIT = dt.timedelta(hours=1)
_MAX_VALIDATOR_LENGTH = 1024

# Refused on top of everything that is not globally routable (see _is_refused).
_REFUSED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT; Alibaba's metadata service is 100.100.100.200
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local; AWS/GCP/Azure metadata is 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",  # unique-local; AWS's IPv6 metadata is fd00:ec2::254
        "fe80::/10",
        "ff00::/8",
    )
)


# What a body read can raise once the connection misbehaves.
_READ_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError)


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


@dataclass(frozen=True)
class NetworkEnvironment:
    """The proxies and CA bundle of the process environment, read once.

    requests reads them from ``os.environ`` on every request of a session that trusts the
    environment (twice walking the whole environment for the proxies, once for the CA
    bundle, plus ~/.netrc): a measurable share of a check's CPU. The clients do not trust the
    environment; they take these settings, read at start-up, with requests' meaning:
    ``http_proxy``/``https_proxy``/``all_proxy`` (lower case wins, as in urllib),
    ``no_proxy`` (``*``; host names matching themselves and their subdomains, a leading dot
    allowed, optionally with ``:port``; IP addresses and CIDR networks for literal
    addresses), and ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``.
    """

    proxies: tuple[tuple[str, str], ...] = ()
    no_proxy: tuple[str, ...] = ()
    ca_bundle: str | None = None

    @classmethod
    def from_environment(cls) -> NetworkEnvironment:
        """Read the current environment (urllib's rules for the proxy variables)."""
        import os
        import urllib.request

        found = urllib.request.getproxies()
        no_proxy = found.pop("no", "")
        return cls(
            proxies=tuple(sorted((scheme, url) for scheme, url in found.items() if url)),
            no_proxy=tuple(entry.strip().lower() for entry in no_proxy.split(",") if entry.strip()),
            ca_bundle=os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE"),
        )

    def proxies_for(self, url: str) -> dict[str, str]:
        """The proxies a request to ``url`` goes through ({} when no_proxy exempts it)."""
        if not self.proxies:
            return {}
        parts = urlsplit(url)
        if self.bypasses(parts.hostname or "", parts.port):
            return {}
        return dict(self.proxies)

    def bypasses(self, host: str, port: int | None = None) -> bool:
        """Whether no_proxy exempts ``host`` (and ``port``) from the proxies."""
        host = host.lower().strip("[]").rstrip(".")
        address = ip_literal(host) if host else None
        for entry in self.no_proxy:
            if entry == "*":
                return True
            if address is not None:
                try:
                    if address in ipaddress.ip_network(entry.strip("[]"), strict=False):
                        return True
                except ValueError:
                    pass
            name, _, entry_port = entry.lstrip(".").rpartition(":")
            if not name or not entry_port.isdigit() or "]" in entry_port:
                name, entry_port = entry.lstrip("."), ""
            if entry_port and (port is None or int(entry_port) != port):
                continue
            name = name.strip("[]").rstrip(".")
            if name and (host == name or host.endswith("." + name)):
                return True
        return False


_environment_lock = threading.Lock()
_environment: NetworkEnvironment | None = None


def network_environment() -> NetworkEnvironment:
    """The process's :class:`NetworkEnvironment`, read from the environment on first use."""
    global _environment
    with _environment_lock:
        if _environment is None:
            _environment = NetworkEnvironment.from_environment()
        return _environment


@dataclass(frozen=True)
class HttpConfig:
    """The operator's limits for outgoing requests (see :meth:`from_settings`)."""

    user_agent: str = "releasemon/0 (+http://127.0.0.1:8000)"
    from_email: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_response_bytes: int = 32 * 1024 * 1024
    max_redirects: int = 5
    allowed_networks: tuple[IPNetwork, ...] = ()
    #: What one check may cost in all (time, bytes, requests, versions).
    limits: Limits = field(default_factory=Limits)
    #: Proxies and CA bundle; default: the process environment, read once.
    environment: NetworkEnvironment = field(default_factory=lambda: network_environment())

    @classmethod
    def from_settings(cls) -> HttpConfig:
        """Read Django settings when they are configured, else use the defaults."""
        try:
            from django.conf import settings

            configured = settings.configured
        except ImportError:  # pragma: no cover - Django is always installed here
            configured = False
        if not configured:
            return cls()
        version = getattr(settings, "RELEASEMON_VERSION", "0")
        site_url = getattr(settings, "SITE_URL", "http://127.0.0.1:8000")
        return cls(
            user_agent=f"releasemon/{version} (+{site_url})",
            from_email=getattr(settings, "ADMIN_EMAIL", None) or None,
            connect_timeout=float(getattr(settings, "HTTP_CONNECT_TIMEOUT", 10.0)),
            read_timeout=float(getattr(settings, "HTTP_READ_TIMEOUT", 30.0)),
            max_response_bytes=int(getattr(settings, "HTTP_MAX_RESPONSE_BYTES", 32 * 1024 * 1024)),
            max_redirects=int(getattr(settings, "HTTP_MAX_REDIRECTS", 5)),
            allowed_networks=parse_networks(getattr(settings, "FETCH_ALLOWED_NETWORKS", ())),
            limits=limits_from_settings(settings),
        )


def limits_from_settings(settings: Any) -> Limits:
    """The CHECK_* budget keys, each falling back to :class:`Limits`' default."""
    default = Limits()
    return Limits(
        deadline=float(getattr(settings, "CHECK_DEADLINE", default.deadline)),
        interactive_deadline=float(
            getattr(settings, "PREVIEW_DEADLINE", default.interactive_deadline)
        ),
        max_total_bytes=int(getattr(settings, "CHECK_MAX_BYTES", default.max_total_bytes)),
        max_requests=int(getattr(settings, "CHECK_MAX_PAGES", default.max_requests)),
        max_versions=int(getattr(settings, "CHECK_MAX_VERSIONS", default.max_versions)),
        max_new_versions=int(getattr(settings, "CHECK_MAX_NEW_VERSIONS", default.max_new_versions)),
    )


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings (``"127.0.0.1/32"``) to networks; a typo must fail loudly at startup."""
    return tuple(ipaddress.ip_network(str(cidr).strip(), strict=False) for cidr in cidrs or ())


@dataclass
class HttpResponse:
    """An upstream answer, fully read (and capped)."""

    url: str
    status: int
    reason: str
    headers: CaseInsensitiveDict = field(default_factory=CaseInsensitiveDict)
    content: bytes = b""

    @property
    def encoding(self) -> str:
        """The declared charset, else utf-8 (JSON and most pages are utf-8)."""
        content_type = self.headers.get("Content-Type")
        if content_type:
            message = Message()
            message["content-type"] = content_type
            charset = message.get_content_charset()
            if charset:
                try:
                    return _codec_name(charset)
                except LookupError:
                    pass
        return "utf-8"

    @property
    def text(self) -> str:
        """The body decoded with the answer's charset; undecodable bytes are replaced."""
        return self.content.decode(self.encoding, errors="replace")

    def json(self) -> Any:
        """The body as JSON; a malformed body raises a :class:`BackendError` naming the URL."""
        try:
            try:
                return jsonlib.loads(self.content)
            except UnicodeDecodeError:
                return jsonlib.loads(self.text)
        except (ValueError, RecursionError) as error:
            raise BackendError(f"{self.url}: invalid JSON answer: {error}") from None

    def xml(self) -> Element:
        """The body as XML, through defusedxml (no entities, no external references)."""
        try:
            return defusedxml.ElementTree.fromstring(self.content)
        except defusedxml.DefusedXmlException as error:
            raise BackendError(f"{self.url}: refused XML answer: {error}") from None
        except (ParseError, ValueError, RecursionError) as error:
            raise BackendError(f"{self.url}: invalid XML answer: {error}") from None


def _codec_name(charset: str) -> str:
    import codecs

    return codecs.lookup(charset).name


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the global resolver; tests monkeypatch it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


_IPV4_LEGACY = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}", re.I)


def ip_literal(host: str) -> IPAddress | None:
    """The address a host spells literally, in any form the C resolver accepts.

    ``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` all mean 127.0.0.1 to getaddrinfo, so they
    must mean it to the guard too.
    """
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _IPV4_LEGACY.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_refused_address(address: IPAddress, allowed: Iterable[IPNetwork] = ()) -> bool:
    """Whether a check must not connect to ``address`` (allowed networks win)."""
    allowed = tuple(allowed)
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address are judged by it too.
        for embedded in (address.ipv4_mapped, address.sixtofour):
            if embedded is not None:
                candidates.append(embedded)
        if address.teredo is not None:
            candidates.extend(address.teredo)
        if address in ipaddress.ip_network("64:ff9b::/96"):
            candidates.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    for candidate in candidates:
        if any(candidate.version == net.version and candidate in net for net in allowed):
            return False
    for candidate in candidates:
        if (
            not candidate.is_global
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or any(candidate.version == n.version and candidate in n for n in _REFUSED_NETWORKS)
        ):
            return True
    return False


class _PinnedConnectionMixin:
    """Connects to ``pinned_address`` while keeping the hostname for Host, SNI and the cert."""

    pinned_address: str
    #: The client's list of the sockets it opened, which its deadline watchdog shuts down.
    opened: list[socket.socket]

    def _new_conn(self) -> socket.socket:
        # urllib3 connects to ``_dns_host`` and uses ``host`` (derived from it) for TLS; swap
        # it only for the duration of the TCP connect.
        hostname = self._dns_host  # type: ignore[has-type]
        self._dns_host = self.pinned_address
        try:
            sock = super()._new_conn()  # type: ignore[misc]
        finally:
            self._dns_host = hostname
        self.opened.append(sock)
        return sock


class _GuardedAdapter(HTTPAdapter):
    """A transport adapter that only connects to addresses the client checked.

    ``responses`` replaces ``HTTPAdapter.send`` in tests, so the pinning below only runs
    against real sockets (see the local-server tests).
    """

    def __init__(self, pins: dict[str, str], opened: list[socket.socket]) -> None:
        self._pins = pins
        self._opened = opened
        super().__init__(pool_connections=4, pool_maxsize=4, max_retries=0)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
        if requests.utils.select_proxy(request.url, proxies):
            # Through a proxy the proxy resolves the name; our check of the name still ran,
            # but the connection cannot be pinned.
            return pool
        host = (urlsplit(request.url).hostname or "").lower()
        address = self._pins.get(host)
        if address is None:
            raise UnsafeURL(
                f"{display_url(request.url or '')}: refusing to connect to a host the check "
                "did not vet first"
            )
        base = pool.ConnectionCls
        if (
            getattr(base, "pinned_address", None) != address
            or getattr(base, "opened", None) is not self._opened
        ):
            original = getattr(base, "_unpinned", base)
            pool.ConnectionCls = type(
                f"Pinned{original.__name__}",
                (_PinnedConnectionMixin, original),
                {"pinned_address": address, "_unpinned": original, "opened": self._opened},
            )
        return pool


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


def version_sort_key(version: str) -> Any:
    """Anitya's expand_subdirs order: ``sorted(RpmVersion(s) ...)``, i.e. the RPM scheme."""
    return RpmVersion(version).sort_key


def parse_reset_time(headers: Any, now: dt.datetime | None = None) -> dt.datetime:
    """When a rate limit ends: Retry-After (seconds or date), else X-RateLimit-Reset (epoch).

    Without either, one hour from now. Values in the past become now; values further than a
    day away are capped, so a hostile upstream cannot park its projects forever.
    """
    now = now or dt.datetime.now(dt.UTC)
    reset: dt.datetime | None = None
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after:
        if retry_after.isdigit():
            seconds = min(int(retry_after), 10**9) if len(retry_after) <= 12 else 10**9
            reset = now + dt.timedelta(seconds=seconds)
        else:
            try:
                reset = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError, IndexError):
                reset = None
            if reset is not None and reset.tzinfo is None:
                reset = reset.replace(tzinfo=dt.UTC)
    if reset is None:
        epoch = (headers.get("X-RateLimit-Reset") or "").strip()
        try:
            reset = dt.datetime.fromtimestamp(float(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            reset = None
    if reset is None:
        reset = now + _DEFAULT_RATE_LIMIT_WAIT
    return min(max(reset, now), now + _MAX_RATE_LIMIT_WAIT)


def _clean_validator(value: str | None) -> str | None:
    """An upstream's ETag/Last-Modified, or None if it could not be sent back safely."""
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > _MAX_VALIDATOR_LENGTH or any(ord(c) < 32 for c in value):
        return None
    return value


class _TooLarge(Exception):
    pass


class HttpClient:
    """One check's way out: guarded, capped, conditional requests.

    ``etag`` / ``last_modified`` start as the project's stored validators and, after a
    conditional request answered 200, hold the new ones for the check to store. A ``session``
    passed in gets this client's guarded adapter mounted: do not share it between clients
    used at the same time. Every request, byte and page of versions is charged to one
    :class:`~backends.budget.Budget` (the shorter deadline when ``interactive``): a client
    is one check.
    """

    def __init__(
        self,
        *,
        insecure: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
        config: HttpConfig | None = None,
        session: requests.Session | None = None,
        resolver: Resolver | None = None,
        interactive: bool = False,
        credentials: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.insecure = insecure
        # The project's stored credentials: origin -> (user, password), for that origin only.
        self._credentials = dict(credentials or {})
        self.etag = etag
        self.last_modified = last_modified
        self.config = config or HttpConfig.from_settings()
        self.budget = Budget(self.config.limits, interactive=interactive)
        self._resolver = resolver
        # host -> the checked address the connection is pinned to.
        self._pins: dict[str, str] = {}
        # Every socket this client opened: the deadline watchdog shuts them down.
        self._opened: list[socket.socket] = []
        self.session = session or requests.Session()
        # Proxies and the CA bundle come from self.config.environment, read once per
        # process, instead of os.environ (and ~/.netrc) on every request.
        self.session.trust_env = False
        adapter = _GuardedAdapter(self._pins, self._opened)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        """Release the pooled connections (a client is used for one check)."""
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public API -----------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: Any = None,
        auth: Any = None,
        conditional: bool = False,
        accept_statuses: Iterable[int] = (200,),
    ) -> HttpResponse:
        """GET ``url`` (globs expanded, ftp:// supported); see the module docstring."""
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise invalid_url(url, error) from None
        if "*" in parts.path:
            url = self.expand_globs(url)
        if urlsplit(url).scheme.lower() in FTP_SCHEMES:
            return self._ftp_get(url)
        return self._request(
            "GET",
            url,
            headers=headers,
            params=params,
            auth=auth,
            conditional=conditional,
            accept_statuses=tuple(accept_statuses),
        )

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        auth: Any = None,
        accept_statuses: Iterable[int] = (200,),
    ) -> HttpResponse:
        """POST to ``url`` (an API such as GitHub's GraphQL); never conditional."""
        return self._request(
            "POST",
            url,
            headers=headers,
            json=json,
            data=data,
            auth=auth,
            accept_statuses=tuple(accept_statuses),
        )

    def get_text(self, url: str, **kw: Any) -> str:
        """The decoded body of a GET."""
        return self.get(url, **kw).text

    def get_json(self, url: str, **kw: Any) -> Any:
        """The JSON body of a GET; malformed JSON raises BackendError naming the URL."""
        return self.get(url, **kw).json()

    def get_xml(self, url: str, **kw: Any) -> Element:
        """The XML body of a GET, parsed by defusedxml (entity bombs are refused)."""
        return self.get(url, **kw).xml()

    def list_directory(self, url: str) -> list[str]:
        """Subdirectory names of an HTML index page or an FTP directory, in listed order."""
        if urlsplit(url).scheme.lower() in FTP_SCHEMES:
            return ftp_subdirectories(self._ftp_get(url, listing=True).text)
        response = self.get(url)
        return html_subdirectories(response.url, response.text)

    def expand_globs(self, url: str) -> str:
        """Replace each path segment containing ``*`` by the highest matching subdirectory.

        ``https://h/pub/*/sub/v*/`` lists ``/pub/``, picks the highest match, then lists
        ``/pub/<it>/sub/`` for ``v*``, and so on, level by level.
        """
        parts = urlsplit(url)
        segments = parts.path.split("/")
        for index, segment in enumerate(segments):
            if "*" not in segment:
                continue
            parent_path = "/".join(segments[:index]) + "/"
            parent = urlunsplit((parts.scheme, parts.netloc, parent_path, "", ""))
            names = self.list_directory(parent)
            matches = [name for name in names if fnmatch.fnmatchcase(name, segment)]
            if not matches:
                raise BackendError(f'{url}: no directory in "{parent}" matches "{segment}"')
            segments[index] = max(matches, key=version_sort_key)
        return urlunsplit(parts._replace(path="/".join(segments)))

    # -- the guard ------------------------------------------------------------------------

    def check_url(self, url: str, schemes: tuple[str, ...] = HTTP_SCHEMES) -> str:
        """Refuse a URL whose scheme or addresses a check must not reach; return the address.

        The returned (checked) address is what the connection is pinned to.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise invalid_url(url, error) from None
        scheme = parts.scheme.lower()
        allowed = " or ".join(f"{name}://" for name in schemes)
        if not scheme:
            raise UnsafeURL(
                f"{display_url(url)} cannot be checked: it must start with {allowed}. {_CHECK_URL}"
            )
        if scheme not in schemes:
            raise UnsafeURL(
                f"{display_url(url)} cannot be checked: the {scheme} scheme is not allowed "
                f"(only {allowed}). {_CHECK_URL}"
            )
        host = (parts.hostname or "").lower()
        if not host:
            raise UnsafeURL(f"{display_url(url)} has no host name. {_CHECK_URL}")
        if host in self._pins:
            return self._pins[host]
        default_port = {"http": 80, "https": 443, "ftp": 21, "ftps": 21}[scheme]
        literal = ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            resolver = self._resolver or resolve_host
            try:
                resolved = resolver(host.rstrip("."), port or default_port)
            except (OSError, UnicodeError) as error:
                raise dns_failure(url, host, error) from None
            addresses = []
            for text in resolved:
                address = ip_literal(str(text))
                if address is None:
                    raise UnsafeURL(
                        f"The DNS answer for {_clip(host, 100)} is not an address. "
                        f"{_TEMPORARY} ({display_url(url)})"
                    )
                addresses.append(address)
            if not addresses:
                raise FetchError(
                    url,
                    "the host has no address",
                    f"The host {_clip(host, 100)} has no address (DNS). Check the spelling of "
                    f"the URL. ({display_url(url)})",
                )
        for address in addresses:
            if is_refused_address(address, self.config.allowed_networks):
                owner = "" if literal is not None else f" (the address of {_clip(host, 100)})"
                raise UnsafeURL(
                    f"{display_url(url)}: refusing to connect to {address}{owner}, a private, "
                    "loopback, link-local or reserved address that checks may not reach. "
                    "Use the site's public URL."
                )
        pinned = str(addresses[0])
        self._pins[host] = pinned
        return pinned

    # -- HTTP -----------------------------------------------------------------------------

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"User-Agent": self.config.user_agent}
        if self.config.from_email:
            headers["From"] = self.config.from_email
        headers.update(extra or {})
        return headers

    def _request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        auth: Any = None,
        conditional: bool = False,
        accept_statuses: tuple[int, ...] = (200,),
    ) -> HttpResponse:
        request_headers = self._headers(headers)
        if conditional:
            if self.etag:
                request_headers["If-None-Match"] = self.etag
            if self.last_modified:
                request_headers["If-Modified-Since"] = self.last_modified
        try:
            prepared = self.session.prepare_request(
                requests.Request(
                    method,
                    url,
                    headers=request_headers,
                    params=params,
                    json=json,
                    data=data,
                    auth=auth,
                )
            )
        except (requests.RequestException, ValueError, UnicodeError) as error:
            raise invalid_url(url, error) from None

        origin_host = urlsplit(prepared.url).hostname
        origin_scheme = urlsplit(prepared.url).scheme
        # Stored credentials, unless the backend authenticates itself (operator settings win).
        stored_auth = auth is None and "authorization" not in {h.lower() for h in headers or {}}
        self.budget.charge_request(prepared.url or url)
        for _hop in range(self.config.max_redirects + 1):
            current = prepared.url or url
            self.check_url(current)
            if stored_auth and self._credentials:
                self._authorize(prepared, current)
            timeout = (
                self.budget.timeout(self.config.connect_timeout),
                self.budget.timeout(self.config.read_timeout),
            )
            response = self._send(prepared, current, timeout)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return self._finish(response, current, conditional, accept_statuses)
            response.close()
            target = urljoin(current, location.strip())
            scheme = urlsplit(target).scheme.lower()
            if scheme not in HTTP_SCHEMES:
                raise UnsafeURL(
                    f"{display_url(current)} redirected to {display_url(target)}: only http "
                    "and https redirects are followed. Use the address of the page itself."
                )
            prepared = prepared.copy()
            if response.status_code == 303 or (
                response.status_code in (301, 302) and prepared.method == "POST"
            ):
                prepared.method = "GET"
                prepared.body = None
                for name in ("Content-Type", "Content-Length"):
                    prepared.headers.pop(name, None)
            try:
                prepared.prepare_url(target, None)
            except (requests.RequestException, ValueError, UnicodeError):
                raise UnsafeURL(
                    f"{display_url(current)} redirected to an address that is not a valid URL "
                    f"({display_url(target)}). {_CHECK_URL}"
                ) from None
            new = urlsplit(prepared.url)
            if new.hostname != origin_host or (scheme == "http" and origin_scheme == "https"):
                # Never hand credentials meant for one host to another, nor send them in clear.
                prepared.headers.pop("Authorization", None)
            # Cookies the upstream set on the way (the session's jar), for the next hop only.
            prepared.headers.pop("Cookie", None)
            prepared.prepare_cookies(self.session.cookies)
        limit = self.config.max_redirects
        raise FetchError(
            url,
            f"more than {limit} redirects",
            f"{display_url(url)} redirected more than {limit} times (a redirect loop?). Open it "
            "in a browser and use the address it ends at as the version URL.",
        )

    def _authorize(self, prepared: requests.PreparedRequest, url: str) -> None:
        """Basic auth for this hop iff the project stored credentials for its exact origin
        (scheme, host, port): never for a host a redirect leads to, nor after a downgrade."""
        prepared.headers.pop("Authorization", None)
        found = self._credentials.get(url_origin(url) or "")
        if found is not None:  # UTF-8, as RFC 7617 servers expect (requests would use latin-1)
            HTTPBasicAuth(found[0].encode(), found[1].encode())(prepared)

    def _shut_sockets(self) -> None:
        """Wake every read blocked on this client's sockets (the deadline has come)."""
        for sock in list(self._opened):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _send(self, prepared: requests.PreparedRequest, url: str, timeout: tuple) -> Any:
        environment = self.config.environment
        # Socket timeouts bound each read; an upstream trickling its status line and headers
        # a byte at a time would pass them. At the check's deadline the watchdog shuts the
        # sockets down, which ends any read that is waiting.
        watchdog = threading.Timer(self.budget.remaining(), self._shut_sockets)
        watchdog.daemon = True
        watchdog.start()
        try:
            return self.session.send(
                prepared,
                allow_redirects=False,
                timeout=timeout,
                stream=True,
                proxies=environment.proxies_for(url),
                verify=False if self.insecure else (environment.ca_bundle or self.session.verify),
                cert=self.session.cert,
            )
        except requests.exceptions.ConnectTimeout:
            self._deadline_reached()
            raise FetchError(
                url,
                "the connection timed out",
                f"Could not connect to {_endpoint(url)}: the connection timed out after "
                f"{timeout[0]:g} s. Is the server up? A firewall may also be dropping the "
                f"connection. ({display_url(url)})",
            ) from None
        except requests.exceptions.ReadTimeout:
            self._deadline_reached()
            raise FetchError(
                url,
                "no answer in time",
                f"{_host_of(url)} accepted the connection but sent no answer within "
                f"{timeout[1]:g} s. {_OVERLOADED} ({display_url(url)})",
            ) from None
        except (requests.RequestException, OSError, ValueError) as error:
            self._deadline_reached()
            raise connection_failure(url, error) from None
        finally:
            watchdog.cancel()

    def _finish(
        self,
        response: Any,
        url: str,
        conditional: bool,
        accept_statuses: tuple[int, ...],
    ) -> HttpResponse:
        status = response.status_code
        reason = response.reason or ""
        if isinstance(reason, bytes):
            reason = reason.decode("latin-1")
        if status == 304 and conditional and 304 not in accept_statuses:
            response.close()
            raise NotModified()
        if status == 429 and 429 not in accept_statuses:
            response.close()
            host = urlsplit(url).hostname or url
            reset_at = parse_reset_time(response.headers)
            raise RateLimited(reset_at, scope=host)
        if status not in accept_statuses:
            response.close()
            raise HTTPStatusError(url, status, reason)
        content = self._read_body(response, url)
        if conditional and status == 200:
            self.etag = _clean_validator(response.headers.get("ETag"))
            self.last_modified = _clean_validator(response.headers.get("Last-Modified"))
        return HttpResponse(
            url=url,
            status=status,
            reason=reason,
            headers=CaseInsensitiveDict(response.headers),
            content=content,
        )

    def _deadline_reached(self) -> None:
        """Raise the budget's error when a timeout was the check's deadline, not the read's."""
        if self.budget.ends_at <= time.monotonic() + 0.01:
            raise self.budget.out_of_time() from None

    def _read_body(self, response: Any, url: str) -> bytes:
        """Read at most max_response_bytes, within the body deadline, then close."""
        limit = self.config.max_response_bytes
        declared = (response.headers.get("Content-Length") or "").strip()
        if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            response.close()
            raise ResponseTooLarge(url, limit)
        # The read timeout bounds each socket read, not the whole body: a hostile upstream
        # could trickle a byte per timeout for days. A watchdog shuts the socket down at the
        # deadline (the body's, or the whole check's if sooner), which wakes the blocked read.
        deadline = self.budget.timeout(self.config.read_timeout * _BODY_DEADLINE_FACTOR)
        timed_out = threading.Event()

        def abort() -> None:
            timed_out.set()
            with contextlib.suppress(Exception):
                response.raw.shutdown()

        watchdog = threading.Timer(deadline, abort)
        watchdog.daemon = True
        watchdog.start()
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK_SIZE):
                size += len(chunk)
                if size > limit:
                    raise ResponseTooLarge(url, limit)
                self.budget.charge_bytes(len(chunk), url)
                chunks.append(chunk)
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            OSError,
            ValueError,
        ) as error:
            if timed_out.is_set():
                self._deadline_reached()
                raise self._too_slow(url, deadline) from None
            raise self._cut_off(url, error) from None
        finally:
            watchdog.cancel()
            response.close()
        if timed_out.is_set():  # a shut-down socket can also look like a normal end
            self._deadline_reached()
            raise self._too_slow(url, deadline)
        return b"".join(chunks)

    @staticmethod
    def _too_slow(url: str, deadline: float) -> FetchError:
        return FetchError(
            url,
            f"the answer took more than {deadline:g} s",
            f"{_host_of(url)} took more than {deadline:g} s to send the page. {_OVERLOADED} "
            f"({display_url(url)})",
        )

    def _cut_off(self, url: str, error: BaseException) -> FetchError:
        chain = _causes(error)
        shown = display_url(url)
        if _find(chain, urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError):
            return FetchError(
                url,
                "the answer could not be decompressed",
                f"The answer from {_host_of(url)} could not be decompressed (its "
                f"Content-Encoding is broken). {_TEMPORARY} ({shown})",
            )
        if _find(chain, urllib3.exceptions.ReadTimeoutError, TimeoutError):
            return FetchError(
                url,
                "the answer stopped",
                f"{_host_of(url)} stopped sending the page: nothing arrived for "
                f"{self.config.read_timeout:g} s. {_OVERLOADED} ({shown})",
            )
        return FetchError(
            url,
            "the answer was cut off",
            f"The answer from {_host_of(url)} was cut off: the connection broke before the "
            f"whole page arrived. {_TEMPORARY} ({shown})",
        )

    # -- FTP ------------------------------------------------------------------------------

    def _ftp_get(self, url: str, *, listing: bool = False) -> HttpResponse:
        """Retrieve a file, or the LIST of a directory (as urllib does for ``dir/`` URLs)."""
        address = self.check_url(url, FTP_SCHEMES)
        parts = urlsplit(url)
        path = unquote(parts.path) or "/"
        if any(c in path for c in "\r\n"):
            raise UnsafeURL(f"{display_url(url)} is not a valid FTP path. {_CHECK_URL}")
        self.budget.charge_request(url)
        limit = self.config.max_response_bytes
        received: list[bytes] = []
        size = 0

        def collect(block: bytes) -> None:
            nonlocal size
            size += len(block)
            if size > limit:
                raise _TooLarge()
            self.budget.charge_bytes(len(block), url)
            self.budget.remaining()  # the data channel can trickle too
            received.append(block)

        ftp = self._ftp_client(parts)
        # ftplib's timeout bounds each socket operation; the watchdog bounds the whole
        # conversation, greeting and login included, by the check's deadline (a server may
        # trickle a byte per timeout).
        timed_out = threading.Event()

        def abort() -> None:
            timed_out.set()
            if ftp.sock is not None:
                with contextlib.suppress(OSError):
                    ftp.sock.shutdown(socket.SHUT_RDWR)

        watchdog = threading.Timer(self.budget.remaining(), abort)
        watchdog.daemon = True
        watchdog.start()
        try:
            self._ftp_login(ftp, url, parts, address)
            if listing or path.endswith("/"):
                self._ftp_list(ftp, path, collect)
            else:
                try:
                    ftp.retrbinary(f"RETR {path}", collect, blocksize=_CHUNK_SIZE)
                except ftplib.error_perm:
                    # Not a file: urllib then lists it as a directory; so do we.
                    received.clear()
                    size = 0
                    self._ftp_list(ftp, path, collect)
        except _TooLarge:
            raise ResponseTooLarge(url, limit) from None
        except (*ftplib.all_errors, EOFError, UnicodeError) as error:
            if timed_out.is_set():
                raise self.budget.out_of_time() from None
            raise ftp_failure(url, error) from None
        except FetchError:
            if timed_out.is_set():
                raise self.budget.out_of_time() from None
            raise
        finally:
            watchdog.cancel()
            with contextlib.suppress(OSError):
                ftp.close()
        if timed_out.is_set():
            raise self.budget.out_of_time()
        return HttpResponse(url=url, status=200, reason="OK", content=b"".join(received))

    def _ftp_client(self, parts: Any) -> ftplib.FTP:
        """An unconnected FTP (or FTPS) client for the URL's scheme."""
        connect_timeout = self.budget.timeout(self.config.connect_timeout)
        if parts.scheme.lower() == "ftps":
            context = ssl.create_default_context()
            if self.insecure:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return ftplib.FTP_TLS(context=context, timeout=connect_timeout)  # noqa: S321
        # Upstreams still publish on FTP; only public data is read, anonymously.
        return ftplib.FTP(timeout=connect_timeout)  # noqa: S321

    def _ftp_login(self, ftp: ftplib.FTP, url: str, parts: Any, address: str) -> None:
        host = parts.hostname or ""
        try:
            # Connect to the checked address; PASV answers are ignored in favour of it too
            # (ftplib's default), so a hostile server cannot bounce us to another host.
            ftp.connect(
                address, parts.port or 21, timeout=self.budget.timeout(self.config.connect_timeout)
            )
            ftp.host = host  # TLS verifies and sends SNI for the name, not the address
            ftp.timeout = self.budget.timeout(self.config.read_timeout)
            ftp.sock.settimeout(ftp.timeout)
            user, password = self._credentials.get(url_origin(url) or "") or (
                unquote(parts.username) if parts.username else "",
                unquote(parts.password) if parts.password else "",
            )
            ftp.login(user, password)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
        except (*ftplib.all_errors, EOFError, UnicodeError) as error:
            raise ftp_failure(url, error) from None

    @staticmethod
    def _ftp_list(ftp: ftplib.FTP, path: str, collect: Callable[[bytes], None]) -> None:
        # Binary transfer: listings are not always utf-8, and retrlines would choke on them.
        ftp.cwd(path)
        ftp.retrbinary("LIST", collect, blocksize=_CHUNK_SIZE)


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
    if failed is not None:
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
