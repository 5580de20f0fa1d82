"""Keep-alive: checks in one thread reuse their connection to an upstream, and nothing else.

Against a real HTTP/1.1 server on loopback that counts the connections it accepts and tells,
per request, which connection and which of its local addresses carried it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backends.budget import Limits, OverBudget
from backends.config import HttpConfig
from backends.errors import NotModified
from backends.http import (
    HttpClient,
    UnsafeURL,
    keepalive,
    kept_connections,
    parse_networks,
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _KeepAliveServer

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1
            self.number = self.server.connections
        self.requests_here = 0

    def finish(self) -> None:
        super().finish()
        with self.server.lock:
            self.server.closed += 1

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.requests_here += 1
        self.server.seen.append(
            {
                "connection": self.number,
                "local": self.connection.getsockname()[0],
                "cookie": self.headers.get("Cookie"),
                "path": self.path,
            }
        )
        if self.path == "/hang-up-on-reuse" and self.requests_here > 1:
            self.close_connection = True  # as a server whose idle timeout just ran out
            return
        if self.path == "/stall-on-reuse" and self.requests_here > 1:
            time.sleep(3)
            return
        if self.path == "/not-modified":
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            return
        body = b"1.0 2.0"
        self.send_response(200)
        if self.path == "/set-cookie":
            self.send_header("Set-Cookie", "session=project-a; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        # Every loopback address: the tests point one name at 127.0.0.1, then 127.0.0.2.
        super().__init__(("0.0.0.0", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.closed = 0
        self.seen: list[dict] = []


@pytest.fixture
def upstream() -> Iterator[_KeepAliveServer]:
    server = _KeepAliveServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _config(**limits: float) -> HttpConfig:
    return HttpConfig(
        allowed_networks=parse_networks(["127.0.0.0/8"]),
        limits=Limits(**limits) if limits else Limits(),
    )


def _check(url: str, *, address: str = "127.0.0.1", **client: object) -> bytes:
    """One check's request, as its own client (the name resolves to ``address``)."""
    with HttpClient(config=_config(), resolver=lambda host, port: [address], **client) as http:
        return http.get(url).content


def _url(server: _KeepAliveServer, path: str = "/page") -> str:
    return f"http://upstream.test:{server.server_address[1]}{path}"


def test_checks_in_one_thread_share_one_connection_per_host(upstream):
    with kept_connections():
        for _ in range(5):
            assert _check(_url(upstream)) == b"1.0 2.0"
    assert upstream.connections == 1
    assert [seen["connection"] for seen in upstream.seen] == [1] * 5


def test_without_kept_connections_every_check_connects_anew(upstream):
    for _ in range(3):
        _check(_url(upstream))
    assert upstream.connections == 3


def test_a_304_leaves_its_connection_open_for_the_next_check(upstream):
    with kept_connections():
        for _ in range(3):
            with (
                HttpClient(
                    config=_config(),
                    resolver=lambda host, port: ["127.0.0.1"],
                    etag='"v1"',
                ) as http,
                pytest.raises(NotModified),
            ):
                http.get(_url(upstream, "/not-modified"), conditional=True)
        assert _check(_url(upstream)) == b"1.0 2.0"
    assert upstream.connections == 1


def test_a_connection_is_only_reused_for_the_address_the_check_vetted(upstream):
    # DNS now says 127.0.0.2: the kept connection to 127.0.0.1 is not that address.
    with kept_connections():
        _check(_url(upstream), address="127.0.0.1")
        _check(_url(upstream), address="127.0.0.2")
        _check(_url(upstream), address="127.0.0.1")
    assert [seen["local"] for seen in upstream.seen] == ["127.0.0.1", "127.0.0.2", "127.0.0.1"]
    assert [seen["connection"] for seen in upstream.seen] == [1, 2, 1]


def test_a_reused_connection_still_passes_the_guard(upstream):
    with kept_connections():
        _check(_url(upstream))
        # Without the operator's allowed networks, the guard refuses loopback again.
        with (
            pytest.raises(UnsafeURL),
            HttpClient(resolver=lambda host, port: ["127.0.0.1"]) as http,
        ):
            http.get(_url(upstream))
    assert len(upstream.seen) == 1


def test_cookies_of_one_check_never_reach_the_next(upstream):
    with kept_connections():
        _check(_url(upstream, "/set-cookie"))
        _check(_url(upstream))
    assert upstream.connections == 1
    assert [seen["cookie"] for seen in upstream.seen] == [None, None]


def test_a_connection_the_server_closed_while_idle_is_replaced_unseen(upstream):
    with kept_connections():
        _check(_url(upstream, "/hang-up-on-reuse"))
        # The server drops the kept connection without answering; the GET goes out again.
        assert _check(_url(upstream, "/hang-up-on-reuse")) == b"1.0 2.0"
    assert upstream.connections == 2


def test_a_connection_idle_too_long_is_not_reused(upstream, monkeypatch):
    monkeypatch.setattr(keepalive, "MAX_IDLE", 0.05)
    with kept_connections():
        _check(_url(upstream))
        time.sleep(0.2)
        _check(_url(upstream))
    assert upstream.connections == 2


def test_the_deadline_ends_a_stalled_answer_on_a_reused_connection(upstream):
    with kept_connections():
        _check(_url(upstream, "/stall-on-reuse"))
        started = time.monotonic()
        with (
            HttpClient(
                config=_config(deadline=0.5),
                resolver=lambda host, port: ["127.0.0.1"],
            ) as http,
            pytest.raises(OverBudget, match=r"did not finish within 0\.5 s"),
        ):
            http.get(_url(upstream, "/stall-on-reuse"))
        assert time.monotonic() - started < 2.5
    assert upstream.connections == 1  # the stall is not sent again on a new connection


def test_leaving_the_block_closes_the_kept_connections(upstream):
    with kept_connections() as kept:
        _check(_url(upstream))
        assert kept._connections
        time.sleep(0.2)
        assert upstream.closed == 0  # kept open while the block lasts
    assert not kept._connections
    deadline = time.monotonic() + 5
    while upstream.closed < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert upstream.closed == upstream.connections == 1


def test_each_thread_keeps_its_own_connections(upstream):
    with kept_connections():
        _check(_url(upstream))
        other = threading.Thread(target=_check, args=(_url(upstream),))
        other.start()
        other.join()
        _check(_url(upstream))
    # The other thread, outside any block, connected on its own; this one reused its own.
    assert [seen["connection"] for seen in upstream.seen] == [1, 2, 1]
