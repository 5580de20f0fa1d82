"""The operator's settings for backends: one frozen object, built by the caller.

Backends never read Django settings (they import no Django at all). Whoever runs them builds a
:class:`BackendsConfig` and installs it for the process with :func:`configure`; the web app
does that when it starts and again whenever a setting changes (``projects/backend_settings.py``),
so ``override_settings`` in tests keeps working. Scripts and benchmarks need nothing: until
something is configured, :func:`current` answers the defaults, which work without Django.

Code reads :func:`current` when it needs a value (the :class:`~backends.http.HttpClient` when
it is made, the GitHub backend when it checks, the regexes when they run), never at import,
so a new configuration applies to the next check. An :class:`~backends.http.HttpClient` may
also be given its own ``config=``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from backends.http.config import HttpConfig

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
    #: The token the GitHub backend sends (GITHUB_ACCESS_TOKEN); without one it cannot check.
    github_access_token: str | None = field(default=None, repr=False)
    #: Credentials for private PyPI simple indexes (PYPI_SIMPLE_CREDENTIALS).
    pypi_simple_credentials: tuple[IndexCredentials, ...] = ()
    #: Seconds of CPU one regex search may take (REGEX_TIMEOUT).
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT
    #: The regex of projects that set none (DEFAULT_REGEX), with ``%(name)s`` for the name.
    default_regex: str = DEFAULT_REGEX


_lock = threading.Lock()
_current: BackendsConfig | None = None


def configure(config: BackendsConfig) -> None:
    """Install ``config`` for the process: checks started from now on use it."""
    global _current
    with _lock:
        _current = config


def current() -> BackendsConfig:
    """The installed configuration, or the defaults when nothing was configured."""
    global _current
    with _lock:
        if _current is None:
            _current = BackendsConfig()
        return _current
