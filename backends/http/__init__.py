"""The only way out to the network: one :class:`HttpClient` per check.

Every URL a check fetches comes from a user (a project's homepage or version URL) or from an
upstream (a redirect, a directory listing), so every request is treated as hostile:

- the host is resolved first and refused if any of its addresses is loopback, private,
  link-local, metadata, ... (unless the operator allows that network), on every redirect hop;
- the connection is then pinned to the checked address, so a DNS answer that changes between
  our check and the connection (DNS rebinding) cannot send us elsewhere;
- bodies are streamed and capped, timeouts are always set, redirects are followed by hand;
- XML goes through defusedxml, JSON errors become readable :class:`BackendError` messages.

It builds on :mod:`backends.addresses` (parsing IP literals and networks) and
:mod:`backends.config` (the operator's limits, :class:`HttpConfig`, and the process's proxies
and CA bundle, which the package re-exports). The package, each module importing only those
above it:

- :mod:`~backends.http.errors`: the exceptions, and the one line a person reads about each
  failure (connection, DNS, TLS, HTTP status, FTP);
- :mod:`~backends.http.guard`: the refused networks, resolving and vetting a URL, and the
  transport adapter for requests the operator's proxy carries;
- :mod:`~backends.http.listing`: directory listings (HTML indexes, FTP LIST) and ``*`` globs;
- :mod:`~backends.http.response`: reading a body under the caps and deadlines, the answer;
- :mod:`~backends.http.codings`: undoing the content codings the client asks for;
- :mod:`~backends.http.preparing` and :mod:`~backends.http.alarms`: a request made ready
  cheaply, and the one thread that ends reads at a check's deadline;
- :mod:`~backends.http.keepalive`: the connections a thread's checks reuse per upstream
  host (:func:`kept_connections`);
- :mod:`~backends.http.direct`: one exchange on a connection pinned to the vetted address
  (the standard library's ``http.client``), content codings undone;
- :mod:`~backends.http.transport`: one hop, direct or through the proxy, within the deadline;
- :mod:`~backends.http.ftp`: the FTP half of the client;
- :mod:`~backends.http.client`: :class:`HttpClient` itself;
- :mod:`~backends.http.connections`: the same guard around HTTP code we do not drive
  (:func:`guarded_connections`: Apprise's chat plugins).

Code imports from ``backends.http``; a test that replaces a name (``resolve_host``, the
process's ``_environment``) patches the module that looks it up (``backends.http.guard``,
``backends.config``).
"""

from backends.addresses import IPAddress, IPNetwork, ip_literal, parse_networks
from backends.config import HttpConfig, NetworkEnvironment, network_environment
from backends.http.client import REDIRECT_STATUSES, HttpClient, directory_sort_key
from backends.http.connections import guarded_connections
from backends.http.errors import (
    FetchError,
    HTTPStatusError,
    ResponseTooLarge,
    UnsafeURL,
    connection_failure,
    display_url,
    dns_failure,
    ftp_failure,
    invalid_url,
    status_message,
)
from backends.http.guard import (
    FTP_SCHEMES,
    HTTP_SCHEMES,
    Resolver,
    is_refused_address,
    resolve_host,
)
from backends.http.keepalive import kept_connections
from backends.http.listing import (
    expand_globs,
    ftp_subdirectories,
    html_subdirectories,
)
from backends.http.response import HttpResponse, parse_reset_time

__all__ = [
    "FTP_SCHEMES",
    "HTTP_SCHEMES",
    "REDIRECT_STATUSES",
    "FetchError",
    "HTTPStatusError",
    "HttpClient",
    "HttpConfig",
    "HttpResponse",
    "IPAddress",
    "IPNetwork",
    "NetworkEnvironment",
    "Resolver",
    "ResponseTooLarge",
    "UnsafeURL",
    "connection_failure",
    "directory_sort_key",
    "display_url",
    "dns_failure",
    "expand_globs",
    "ftp_failure",
    "ftp_subdirectories",
    "guarded_connections",
    "html_subdirectories",
    "invalid_url",
    "ip_literal",
    "is_refused_address",
    "kept_connections",
    "network_environment",
    "parse_networks",
    "parse_reset_time",
    "resolve_host",
    "status_message",
]
