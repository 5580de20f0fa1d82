"""The address guard for HTTP code we do not drive ourselves.

Some libraries make their own requests (Apprise's chat plugins call ``requests.post`` with a
URL they build from a user's input), so :class:`~backends.http.HttpClient`'s adapter cannot be
put in their way. Inside :func:`guarded_connections`, every TCP connection urllib3 opens *in
the calling thread* is vetted like a check's URL (resolved, refused when an address is
private, loopback, link-local or reserved, unless the operator allows its network) and made
to the vetted address, so a DNS answer that changes in between cannot send it elsewhere. TLS
still verifies the certificate against the host name: only the socket's address is swapped.

urllib3 looks ``create_connection`` up on its ``util.connection`` module at every connect;
the wrapper installed there passes every other thread's and every unguarded connection
through untouched.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import urllib3.util.connection

from backends.addresses import IPNetwork
from backends.http.guard import vet_url

_guarded = threading.local()
_install_lock = threading.Lock()


def _allowed_here() -> tuple[IPNetwork, ...] | None:
    allowed: tuple[IPNetwork, ...] | None = getattr(_guarded, "allowed", None)
    return allowed


def _install() -> None:
    with _install_lock:
        current = urllib3.util.connection.create_connection
        if getattr(current, "releasemon_guarded", False):
            return
        original = current

        def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
            allowed = _allowed_here()
            if allowed is None:
                return original(address, *args, **kwargs)
            host, port = address
            host = host.strip("[]")
            shown = f"[{host}]" if ":" in host else host
            pinned = vet_url(f"https://{shown}:{port}/", pins={}, allowed_networks=allowed)
            return original((pinned, port), *args, **kwargs)

        # A mark on the function, so a second install sees it is already guarded.
        create_connection.releasemon_guarded = True  # type: ignore[attr-defined]
        urllib3.util.connection.create_connection = create_connection


@contextmanager
def guarded_connections(allowed_networks: Iterable[IPNetwork] = ()) -> Iterator[None]:
    """Vet and pin every connection urllib3 opens in this thread until the block ends; a
    refused address raises :class:`~backends.http.UnsafeURL` from the library's request."""
    _install()
    previous = _allowed_here()
    _guarded.allowed = tuple(allowed_networks)
    try:
        yield
    finally:
        _guarded.allowed = previous
