"""Keep-alive: the checks of one thread reuse their connections to each upstream host.

A check's :class:`~backends.http.HttpClient` is its own (budget, pinned addresses,
validators, credentials, cookies), and used to open a new TCP connection, and on https a new
TLS handshake, for every request: 2,000 checks made 2,002 connections. Inside
:func:`kept_connections` (the check pool's threads run in one for their whole life) the
clients of this thread take their connections from one :class:`KeptConnections` instead, so
the next check of the same host sends its request on the connection the last one left open
(:mod:`backends.http.direct` opens them; a request through a proxy is not kept).

What still holds for a reused connection:

- **The address guard.** Every client vets every URL itself (resolution and refusal as
  before); a connection is keyed by the vetted address as well as by scheme, host, port and TLS
  settings, so a connection is only reused for a host that resolves, for this check, to the
  address it is connected to.
- **Nothing crosses between projects but the socket.** Cookies live in each client's own jar,
  credentials are added per hop by the client, and a connection only carries the next
  request once the last answer on it was read to the end (or it had none): one left unread is
  closed, so no bytes of one answer reach the next request.
- **The deadline watchdog.** A client shuts down the sockets it *uses* (registered by the
  connection when it sends, see :func:`register_use`), whoever opened them.
- **Stale connections.** A connection idle for more than :data:`MAX_IDLE` seconds is closed
  rather than reused (servers close theirs after a few seconds: Apache after 5), so is one
  whose peer already hung up, and a GET that fails on a reused connection is sent
  once more on a new one (:func:`reused_connection_failed`), as browsers do.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar, cast

#: Seconds a kept connection may stay idle and still be reused.
MAX_IDLE = 4.0
#: Upstream hosts each thread keeps a connection to; the least recently used go.
KEPT_HOSTS = 32

_local = threading.local()


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)
K = TypeVar("K", bound=Hashable)


class KeptConnections:
    """Open connections by what they are for (scheme, host, port, address, TLS settings):
    one thread's, inside :func:`kept_connections`, or one client's own."""

    def __init__(self, size: int = KEPT_HOSTS) -> None:
        self.size = size
        self._connections: OrderedDict[Hashable, Closable] = OrderedDict()

    def connection(self, key: K, open_new: Callable[[K], C]) -> C:
        """The connection kept for ``key``, else a new one from ``open_new(key)``."""
        found = self._connections.get(key)
        if found is not None:
            self._connections.move_to_end(key)
            # What open_new made for this key: one caller, one kind of connection, per key.
            return cast(C, found)
        created = open_new(key)
        self._connections[key] = created
        while len(self._connections) > self.size:
            _, oldest = self._connections.popitem(last=False)
            oldest.close()
        return created

    def close(self) -> None:
        """Close every kept connection."""
        while self._connections:
            _, connection = self._connections.popitem()
            connection.close()


@contextmanager
def kept_connections(size: int = KEPT_HOSTS) -> Iterator[KeptConnections]:
    """Let the clients of this thread reuse connections until the block ends, then close
    them all."""
    previous = getattr(_local, "connections", None)
    connections = KeptConnections(size)
    _local.connections = connections
    try:
        yield connections
    finally:
        _local.connections = previous
        connections.close()


def thread_connections() -> KeptConnections | None:
    """This thread's kept connections, or None outside :func:`kept_connections`."""
    connections: KeptConnections | None = getattr(_local, "connections", None)
    return connections


# -- the sockets a client is using ---------------------------------------------------------


@contextmanager
def using_sockets(sockets: list[socket.socket]) -> Iterator[None]:
    """Record in ``sockets`` every socket a request in this thread uses until the block ends
    (the client's watchdog shuts them down at its deadline)."""
    _local.sockets = sockets
    _local.reused = False
    try:
        yield
    finally:
        _local.sockets = None


def register_use(sock: socket.socket | None, *, reused: bool) -> None:
    """Called by a connection as it sends a request on ``sock``."""
    sockets: list[socket.socket] | None = getattr(_local, "sockets", None)
    if sock is not None and sockets is not None and sock not in sockets:
        sockets.append(sock)
    _local.reused = reused


def reused_connection_failed() -> bool:
    """Whether the last request of this thread was sent on a kept connection (so its failure
    may be a connection the server closed while it idled)."""
    return bool(getattr(_local, "reused", False))


def too_idle(last_used: float | None) -> bool:
    """Whether a connection last used at ``last_used`` (monotonic) has idled too long."""
    return last_used is not None and time.monotonic() - last_used > MAX_IDLE
