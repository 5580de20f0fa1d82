"""Keep-alive: the checks of one thread reuse their connections to each upstream host.

A check's :class:`~backends.http.HttpClient` is its own (budget, pinned addresses,
validators, credentials, cookies), and used to open a new TCP connection, and on https a new
TLS handshake, for every request: 2,000 checks made 2,002 connections. Inside
:func:`kept_connections` (the check pool's threads run in one for their whole life) the
clients of this thread take their connection pools from one :class:`KeptPools` instead, so
the next check of the same host sends its request on the connection the last one left open.

What still holds for a reused connection:

- **The address guard.** Every client vets every URL itself (resolution and refusal as
  before); a pool is keyed by the vetted address as well as by scheme, host, port and TLS
  settings, so a connection is only reused for a host that resolves, for this check, to the
  address it is connected to.
- **Nothing crosses between projects but the socket.** Cookies live in each client's session,
  credentials are added per hop by the client, and a response is only put back once its body
  was read to the end (or it has none), so no bytes of one answer reach the next request.
- **The deadline watchdog.** A client shuts down the sockets it *uses* (registered by the
  connection when it sends, see :func:`register_use`), whoever opened them.
- **Stale connections.** A connection idle for more than :data:`MAX_IDLE` seconds is closed
  rather than reused (servers close theirs after a few seconds: Apache after 5), urllib3
  drops one whose peer already hung up, and a GET that fails on a reused connection is sent
  once more on a new one (:func:`reused_connection_failed`), as browsers do.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from urllib3.connectionpool import HTTPConnectionPool
from urllib3.poolmanager import SSL_KEYWORDS, pool_classes_by_scheme

#: Seconds a kept connection may stay idle and still be reused.
MAX_IDLE = 4.0
#: Upstream hosts (pools) each thread keeps connections to; the least recently used go.
KEPT_HOSTS = 32

_local = threading.local()


class KeptPools:
    """One thread's connection pools, by (scheme, host, port, address, TLS settings)."""

    def __init__(self, size: int = KEPT_HOSTS) -> None:
        self.size = size
        self._pools: OrderedDict[tuple[Any, ...], HTTPConnectionPool] = OrderedDict()

    def pool(
        self,
        host_params: dict[str, Any],
        pool_kwargs: dict[str, Any],
        address: str,
    ) -> tuple[HTTPConnectionPool, bool]:
        """The pool for these parameters, and whether it is new (its connection class is
        then the caller's to pin)."""
        scheme = host_params["scheme"]
        key = (
            scheme,
            host_params["host"],
            host_params["port"],
            address,
            tuple(sorted(pool_kwargs.items(), key=lambda item: item[0])),
        )
        found = self._pools.get(key)
        if found is not None:
            self._pools.move_to_end(key)
            return found, False
        options = dict(pool_kwargs)
        if scheme == "http":
            for name in SSL_KEYWORDS:
                options.pop(name, None)
        # One connection per host: a check sends one request at a time.
        created = pool_classes_by_scheme[scheme](
            host_params["host"], host_params["port"], maxsize=1, block=False, **options
        )
        self._pools[key] = created
        while len(self._pools) > self.size:
            _, oldest = self._pools.popitem(last=False)
            oldest.close()
        return created, True

    def close(self) -> None:
        """Close every kept connection."""
        while self._pools:
            _, pool = self._pools.popitem()
            pool.close()


@contextmanager
def kept_connections(size: int = KEPT_HOSTS) -> Iterator[KeptPools]:
    """Let the clients of this thread reuse connections until the block ends, then close
    them all."""
    previous = getattr(_local, "pools", None)
    pools = KeptPools(size)
    _local.pools = pools
    try:
        yield pools
    finally:
        _local.pools = previous
        pools.close()


def kept_pools() -> KeptPools | None:
    """This thread's kept pools, or None outside :func:`kept_connections`."""
    pools: KeptPools | None = getattr(_local, "pools", None)
    return pools


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
