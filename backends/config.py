"""The operator's settings for backends, and the process's: frozen objects the caller builds.

Backends never read Django settings (they import no Django at all). Whoever runs them builds a
:class:`BackendsConfig` and installs it for the process with :func:`configure`; the web app
does that when it starts and again whenever a setting changes (``projects/backend_settings.py``),
so ``override_settings`` in tests keeps working. Scripts and benchmarks need nothing: until
something is configured, :func:`current` answers the defaults, which work without Django.

Code reads :func:`current` when it needs a value (the :class:`~backends.http.HttpClient` when
it is made, the GitHub backend when it checks, the regexes when they run), never at import,
so a new configuration applies to the next check. An :class:`~backends.http.HttpClient` may
also be given its own ``config=``.

- :class:`HttpConfig`: what the operator sets for requests (timeouts, caps, the networks a
  check may reach anyway, the :class:`~backends.budget.Limits` of one check);
- :class:`NetworkEnvironment`: the proxies and CA bundle of the process environment, read
  once (:func:`network_environment`);
- :class:`BackendsConfig`: all of it, with the upstreams' credentials and the regex limits.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from backends.addresses import IPNetwork, ip_literal
from backends.budget import Limits
from backends.github_tokens import GitHubApp, TokenPool

# Anitya's default regex (contract §6.1): `<name>[-_]<version>` followed by an archive
# extension. The operator's DEFAULT_REGEX replaces it.
DEFAULT_REGEX = (
    r"(?i)%(name)s(?:[-_]?(?:minsrc|src|source))?[-_]([^-/_\s]+?(?:[-_]"
    r"(?:rc|devel|dev|alpha|beta)\d+)?)(?:[-_](?:minsrc|src|source|asc|release))?\."
    r"(?:tar|t[bglx]z|tbz2|zip)"
)
# Seconds of CPU one regex search may take (REGEX_TIMEOUT).
DEFAULT_REGEX_TIMEOUT = 2.0


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
    """The operator's limits for outgoing requests; the defaults work without any settings."""

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
    #: Told each upstream answer's HTTP status (None: no answer, the connection, DNS, TLS or
    #: a timeout failed), for the operator's metrics; the client works the same without it.
    on_answer: Callable[[int | None], None] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class IndexCredentials:
    """Basic-auth credentials for one PyPI simple index (an entry of PYPI_SIMPLE_CREDENTIALS).

    ``key`` is a host (``pypi.example.com``) or an index root URL. ``username`` and
    ``password`` are None when the operator's entry does not give both as strings: an index
    matching that key is then read without credentials rather than with a shorter key's.
    """

    key: str
    username: str | None
    password: str | None = field(repr=False)


@dataclass(frozen=True)
class BackendsConfig:
    """Everything the operator sets for backends; the defaults work with no settings at all."""

    #: Timeouts, size caps, the User-Agent, the networks a check may reach anyway and the
    #: budget of one check.
    http: HttpConfig = field(default_factory=HttpConfig)
    #: The token the GitHub backend sends (GITHUB_ACCESS_TOKEN); without any token (this,
    #: github_access_tokens or github_app) it cannot check.
    github_access_token: str | None = field(default=None, repr=False)
    #: More tokens, used in turn with the first (GITHUB_ACCESS_TOKENS).
    github_access_tokens: tuple[str, ...] = field(default=(), repr=False)
    #: A GitHub App installation whose tokens join them (GITHUB_APP_*).
    github_app: GitHubApp | None = field(default=None, repr=False)
    #: Where the tokens' budgets are kept (the web app's: in the database); None: in the
    #: memory of each check (backends.upstreams.github.token_pool).
    github_token_pool: TokenPool | None = field(default=None, repr=False, compare=False)
    #: Credentials for private PyPI simple indexes (PYPI_SIMPLE_CREDENTIALS).
    pypi_simple_credentials: tuple[IndexCredentials, ...] = ()
    #: Seconds of CPU one regex search may take (REGEX_TIMEOUT).
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT
    #: The regex of projects that set none (DEFAULT_REGEX), with ``%(name)s`` for the name.
    default_regex: str = DEFAULT_REGEX


_current_lock = threading.Lock()
_current: BackendsConfig | None = None


def configure(config: BackendsConfig) -> None:
    """Install ``config`` for the process: checks started from now on use it."""
    global _current
    with _current_lock:
        _current = config


def current() -> BackendsConfig:
    """The installed configuration, or the defaults when nothing was configured."""
    global _current
    with _current_lock:
        if _current is None:
            _current = BackendsConfig()
        return _current
