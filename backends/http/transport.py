"""One hop on the wire: a prepared request sent to the vetted address, within the deadline.

:class:`Transport` is the part of a check's :class:`~backends.http.HttpClient` below its
policies (which URL, which credentials, which redirect): it sends one prepared request to an
address the client vetted, with the check's deadline watchdog over the sockets it uses, once
more on a new connection when a kept one turns out closed (:mod:`backends.http.keepalive`),
and maps what goes wrong to the one-line :class:`~backends.http.FetchError` a person reads.

A request goes out on a pinned connection of :mod:`backends.http.direct` (the thread's kept
one, else the client's own), unless the operator's proxy is to carry it: then requests'
adapter sends it (:class:`~backends.http.guard._ProxyAdapter`). The transport keeps the
cookies of the answers that set some (a redirect's next hop sends them), in a jar of its own,
per check.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.utils import select_proxy

from backends.budget import Budget
from backends.config import HttpConfig
from backends.http.alarms import set_alarm
from backends.http.direct import PinnedConnection, connection_key, exchange
from backends.http.errors import (
    FetchError,
    UnsafeURL,
    connect_timeout_failure,
    connection_failure,
    display_url,
    read_timeout_failure,
)
from backends.http.guard import _ProxyAdapter
from backends.http.keepalive import (
    KeptConnections,
    reused_connection_failed,
    thread_connections,
    using_sockets,
)
from backends.http.response import deadline_reached

_IDEMPOTENT = ("GET", "HEAD")


class Transport:
    """Sends a check's requests: its adapter, cookie jar, pinned addresses and sockets."""

    def __init__(
        self, *, pins: dict[str, str], budget: Budget, config: HttpConfig, insecure: bool
    ) -> None:
        self.budget = budget
        self.config = config
        self.insecure = insecure
        #: Cookies upstreams set during this check, for the next hop of a redirect only.
        self.cookies = RequestsCookieJar()
        self._pins = pins
        self._adapter: _ProxyAdapter | None = None
        # The client's own connections, when its thread keeps none.
        self._own: KeptConnections | None = None
        # Every socket this check sent on: the deadline watchdog shuts them down.
        self._used: list[socket.socket] = []

    def close(self) -> None:
        """Release the connections that are not kept for the next check."""
        if self._adapter is not None:
            self._adapter.close()
        if self._own is not None:
            self._own.close()

    def send(
        self, prepared: requests.PreparedRequest, url: str, timeout: tuple[float, float]
    ) -> Any:
        """Send ``prepared`` (to ``url``, a vetted address) and return the streamed answer
        (a ``requests.Response`` or a :class:`~backends.http.direct.DirectResponse`);
        tells the configuration's ``on_answer`` what came back."""
        observe = self.config.on_answer
        try:
            response = self._send(prepared, url, timeout)
        except FetchError:
            if observe is not None:
                observe(None)
            raise
        if observe is not None:
            observe(response.status_code)
        return response

    def _send(
        self, prepared: requests.PreparedRequest, url: str, timeout: tuple[float, float]
    ) -> Any:
        # Socket timeouts bound each read; an upstream trickling its status line and headers
        # a byte at a time would pass them. At the check's deadline the watchdog shuts the
        # sockets down, which ends any read that is waiting.
        watchdog = set_alarm(self.budget.remaining(), self._shut_sockets)
        try:
            with using_sockets(self._used):
                try:
                    return self._transmit(prepared, url, timeout)
                except requests.exceptions.ConnectionError as error:
                    if not self._may_send_again(prepared, error):
                        raise
                    # The server closed the kept connection while it idled: a new one.
                    return self._transmit(prepared, url, timeout)
        except requests.exceptions.ConnectTimeout:
            deadline_reached(self.budget)
            raise connect_timeout_failure(url, timeout[0]) from None
        except requests.exceptions.ReadTimeout:
            deadline_reached(self.budget)
            raise read_timeout_failure(url, timeout[1]) from None
        except (requests.RequestException, OSError, ValueError) as error:
            deadline_reached(self.budget)
            raise connection_failure(url, error) from None
        finally:
            watchdog.cancel()

    def _transmit(
        self, prepared: requests.PreparedRequest, url: str, timeout: tuple[float, float]
    ) -> Any:
        environment = self.config.environment
        verify = False if self.insecure else (environment.ca_bundle or True)
        proxies = environment.proxies_for(url)
        if proxies and select_proxy(url, proxies):
            if self._adapter is None:
                self._adapter = _ProxyAdapter()
            response = self._adapter.send(
                prepared, stream=True, timeout=timeout, verify=verify, cert=None, proxies=proxies
            )
        else:
            response = self._exchange(prepared, url, timeout, verify)
        if "Set-Cookie" in response.headers:
            # requests.cookies.extract_cookies_to_jar has no annotations.
            extract_cookies_to_jar(self.cookies, prepared, response.raw)  # type: ignore[no-untyped-call]
        return response

    def _exchange(
        self,
        prepared: requests.PreparedRequest,
        url: str,
        timeout: tuple[float, float],
        verify: bool | str,
    ) -> Any:
        """Send on the pinned connection for ``url``'s origin (kept, or opened now)."""
        parts = urlsplit(prepared.url or url)
        address = self._pins.get((parts.hostname or "").lower())
        if address is None:
            raise UnsafeURL(
                f"{display_url(url)}: refusing to connect to a host the check did not vet first"
            )
        connections = thread_connections()
        if connections is None:
            if self._own is None:
                self._own = KeptConnections()
            connections = self._own
        connection = connections.connection(
            connection_key(parts, address, verify), PinnedConnection
        )
        target = prepared.path_url
        if target.startswith("//"):
            target = "/" + target.lstrip("/")
        return exchange(connection, prepared, target, timeout)

    def _may_send_again(self, prepared: requests.PreparedRequest, error: Exception) -> bool:
        """Whether a failed request is sent once more: an idempotent one that failed on a kept
        connection (not by a timeout, nor at the check's deadline)."""
        return (
            prepared.method in _IDEMPOTENT
            and not isinstance(error, requests.exceptions.Timeout)
            and reused_connection_failed()
            and self.budget.remaining() > 0.01
        )

    def _shut_sockets(self) -> None:
        """Wake every read blocked on this check's sockets (the deadline has come)."""
        for sock in list(self._used):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
