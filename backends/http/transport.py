"""One hop on the wire: a prepared request sent through the guarded adapter, within the deadline.

:class:`Transport` is the part of a check's :class:`~backends.http.HttpClient` below its
policies (which URL, which credentials, which redirect): it sends one prepared request to an
address the client vetted, with the check's deadline watchdog over the sockets it uses, once
more on a new connection when a kept one turns out closed (:mod:`backends.http.keepalive`),
and maps what goes wrong to the one-line :class:`~backends.http.FetchError` a person reads.

It calls the adapter itself rather than a ``requests.Session``: the session's ``send`` merges
settings we fix, dispatches hooks we have none of, and reads cookies into its jar from every
answer; the transport keeps the cookies of the answers that set some (a redirect's next hop
sends them), in a jar of its own, per check.
"""

from __future__ import annotations

import contextlib
import socket

import requests
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar

from backends.budget import Budget
from backends.config import HttpConfig
from backends.http.alarms import set_alarm
from backends.http.errors import (
    FetchError,
    connect_timeout_failure,
    connection_failure,
    read_timeout_failure,
)
from backends.http.guard import _GuardedAdapter
from backends.http.keepalive import reused_connection_failed, using_sockets
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
        self._adapter = _GuardedAdapter(pins)
        # Every socket this check sent on: the deadline watchdog shuts them down.
        self._used: list[socket.socket] = []

    def close(self) -> None:
        """Release the connections that are not kept for the next check."""
        self._adapter.close()

    def send(
        self, prepared: requests.PreparedRequest, url: str, timeout: tuple[float, float]
    ) -> requests.Response:
        """Send ``prepared`` (to ``url``, a vetted address) and return the streamed answer;
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
    ) -> requests.Response:
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
    ) -> requests.Response:
        environment = self.config.environment
        response = self._adapter.send(
            prepared,
            stream=True,
            timeout=timeout,
            verify=False if self.insecure else (environment.ca_bundle or True),
            cert=None,
            proxies=environment.proxies_for(url),
        )
        if "Set-Cookie" in response.headers:
            # requests.cookies.extract_cookies_to_jar has no annotations.
            extract_cookies_to_jar(self.cookies, prepared, response.raw)  # type: ignore[no-untyped-call]
        return response

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
