"""The address guard around HTTP code we do not drive (backends.http.guarded_connections),
against a real server on 127.0.0.1 and plain ``requests`` calls, as Apprise's plugins make."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from backends.http import UnsafeURL, guarded_connections
from backends.http import guard as guard_module

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
#: The real resolver (tests/backends/conftest.py makes every name public for the other tests).
REAL_RESOLVER = guard_module.resolve_host


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        self.hits.append(self.headers["Host"])
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Counting,), {"hits": hits})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield httpd.server_address[1], hits
    httpd.shutdown()
    httpd.server_close()


def test_a_private_address_is_refused_before_any_request(server):
    port, hits = server
    with (
        guarded_connections(),
        pytest.raises(UnsafeURL, match=r"refusing to connect to 127\.0\.0\.1"),
    ):
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert hits == []


def test_a_name_that_resolves_to_loopback_is_refused(server, monkeypatch):
    port, hits = server
    monkeypatch.setattr(guard_module, "resolve_host", REAL_RESOLVER)
    with guarded_connections(), pytest.raises(UnsafeURL, match="the address of localhost"):
        requests.get(f"http://localhost:{port}/", timeout=5)
    assert hits == []


def test_an_allowed_network_is_reached(server):
    port, hits = server
    with guarded_connections(LOOPBACK):
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).text == "ok"
    assert hits == [f"127.0.0.1:{port}"]


def test_the_connection_goes_to_the_vetted_address_keeping_the_host_name(server, monkeypatch):
    port, hits = server
    # upstream.test exists for the guard's resolver only: the socket must use its answer.
    monkeypatch.setattr(guard_module, "resolve_host", lambda host, port: ["127.0.0.1"])
    with guarded_connections(LOOPBACK):
        assert requests.get(f"http://upstream.test:{port}/", timeout=5).text == "ok"
    assert hits == [f"upstream.test:{port}"]


def test_outside_the_block_and_in_other_threads_nothing_changes(server):
    port, hits = server
    answers: list[str] = []
    with guarded_connections():
        other = threading.Thread(
            target=lambda: answers.append(requests.get(f"http://127.0.0.1:{port}/", timeout=5).text)
        )
        other.start()
        other.join()
    answers.append(requests.get(f"http://127.0.0.1:{port}/", timeout=5).text)
    assert answers == ["ok", "ok"]
    assert len(hits) == 2
