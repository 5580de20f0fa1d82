"""The checks' own connections (backends.http.direct), against a real server on loopback.

What requests and urllib3 did for the checks and the direct connections now do themselves:
content codings undone (gzip, several gzip members, deflate wrapped and raw), chunked bodies,
repeated headers joined, a Host header browsers would send (over https too), a short body
reported as cut off, and a connection reused only after its answer was read to the end.
"""

from __future__ import annotations

import gzip
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from backends.config import HttpConfig, NetworkEnvironment
from backends.http import FetchError, HttpClient, HTTPStatusError, kept_connections, parse_networks
from backends.http.codings import ContentDecoder
from tests.tls import self_signed

PAGE = b"<a href='proj-1.0.tar.gz'>1.0</a> <a href='proj-2.0.tar.gz'>2.0</a>\n" * 40


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


#: path -> (extra headers, body as sent)
ANSWERS: dict[str, tuple[list[tuple[str, str]], bytes]] = {
    "/plain": ([], PAGE),
    "/gzip": ([("Content-Encoding", "gzip")], gzip.compress(PAGE)),
    "/gzip-members": (
        [("Content-Encoding", "gzip")],
        gzip.compress(PAGE[:1000]) + gzip.compress(PAGE[1000:]),
    ),
    "/gzip-then-garbage": ([("Content-Encoding", "gzip")], gzip.compress(PAGE) + b"\0junk"),
    "/deflate": ([("Content-Encoding", "deflate")], zlib.compress(PAGE)),
    "/raw-deflate": ([("Content-Encoding", "deflate")], _raw_deflate(PAGE)),
    "/gzip-then-deflate": (
        [("Content-Encoding", "gzip, deflate")],
        zlib.compress(gzip.compress(PAGE)),
    ),
    "/other-coding": ([("Content-Encoding", "br")], b"\x8b\x02\x80 as sent\x03"),
    "/broken-gzip": ([("Content-Encoding", "gzip")], b"\x1f\x8b\x08\x00garbage, not deflate"),
    "/repeated": ([("Link", "<a>; rel=next"), ("link", "<b>; rel=last")], b"ok"),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hosts.append(self.headers.get("Host"))
        self.server.encodings.append(self.headers.get("Accept-Encoding"))
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(PAGE), 700):
                piece = PAGE[start : start + 700]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/folded":
            self.wfile.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Note: one\r\n  two\r\n"
                b'no colon on this line\r\nETag:   "v1"\r\n\r\nok'
            )
            return
        if self.path == "/many-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n" + b"X-Filler: x\r\n" * 1000 + b"\r\n")
            return
        if self.path == "/long-header":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Filler: " + b"x" * 200_000 + b"\r\n\r\n")
            return
        if self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAGE) + 100))
            self.end_headers()
            self.wfile.write(PAGE)
            self.close_connection = True
            return
        if self.path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)
            return
        headers, body = ANSWERS[self.path]
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.hosts: list[str | None] = []
        self.encodings: list[str | None] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The client hangs up on answers it refuses (headers beyond the limits): expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _serve(server: _Server) -> Iterator[_Server]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def upstream() -> Iterator[_Server]:
    yield from _serve(_Server())


CONFIG = HttpConfig(allowed_networks=parse_networks(["127.0.0.0/8"]))


def _get(url: str, config: HttpConfig = CONFIG) -> bytes:
    with HttpClient(config=config, resolver=lambda host, port: ["127.0.0.1"]) as http:
        return http.get(url).content


def _url(server: _Server, path: str, host: str = "upstream.test") -> str:
    return f"http://{host}:{server.server_address[1]}{path}"


@pytest.mark.parametrize(
    "path",
    [
        "/plain",
        "/gzip",
        "/gzip-members",
        "/gzip-then-garbage",
        "/deflate",
        "/raw-deflate",
        "/gzip-then-deflate",
        "/chunked",
    ],
)
def test_the_page_arrives_whole_however_it_was_sent(upstream, path):
    assert _get(_url(upstream, path)) == PAGE
    assert upstream.encodings == ["gzip, deflate"]  # what the client can undo


def test_a_coding_the_client_did_not_ask_for_arrives_as_sent(upstream):
    assert _get(_url(upstream, "/other-coding")) == ANSWERS["/other-coding"][1]


def test_a_broken_coding_is_one_readable_line(upstream):
    with pytest.raises(FetchError) as raised:
        _get(_url(upstream, "/broken-gzip"))
    assert str(raised.value).startswith(
        "The answer from upstream.test could not be decompressed (its Content-Encoding is broken)."
    )


def test_a_body_shorter_than_announced_is_cut_off(upstream):
    with pytest.raises(FetchError) as raised:
        _get(_url(upstream, "/short"))
    assert "was cut off: the connection broke before the whole page arrived" in str(raised.value)


def test_repeated_headers_are_joined_under_the_first_spelling(upstream):
    with HttpClient(config=CONFIG, resolver=lambda host, port: ["127.0.0.1"]) as http:
        response = http.get(_url(upstream, "/repeated"))
    assert response.headers["LINK"] == "<a>; rel=next, <b>; rel=last"
    assert "Link" in dict(response.headers)


def test_a_folded_header_is_one_value_and_a_line_without_a_colon_is_dropped(upstream):
    with HttpClient(config=CONFIG, resolver=lambda host, port: ["127.0.0.1"]) as http:
        response = http.get(_url(upstream, "/folded"))
    assert response.content == b"ok"
    assert dict(response.headers) == {"Content-Length": "2", "X-Note": "one two", "ETag": '"v1"'}


@pytest.mark.parametrize("path", ["/many-headers", "/long-header"])
def test_headers_beyond_the_limits_are_one_readable_line(upstream, path):
    with pytest.raises(FetchError) as raised:
        _get(_url(upstream, path))
    message = str(raised.value)
    assert message.startswith("upstream.test closed the connection without answering.")
    assert "\n" not in message


def test_the_host_header_names_the_host_and_a_port_that_is_not_the_default(upstream):
    _get(_url(upstream, "/plain"))
    assert upstream.hosts == [f"upstream.test:{upstream.server_address[1]}"]


def test_over_https_the_host_header_leaves_out_the_default_port(tmp_path, monkeypatch):
    certificate = self_signed(tmp_path, "upstream.test")
    server = _Server()
    server.socket = certificate.server_context().wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    # The pinned connection goes to the server's port; the URL says https's default one.
    monkeypatch.setattr("backends.http.direct._DEFAULT_PORTS", {"http": 80, "https": port})
    config = HttpConfig(
        allowed_networks=CONFIG.allowed_networks,
        environment=NetworkEnvironment(ca_bundle=str(certificate.cert)),
    )
    for running in _serve(server):
        assert _get("https://upstream.test/plain", config) == PAGE
        assert running.hosts == ["upstream.test"]


def test_https_with_a_certificate_for_another_name_is_refused(tmp_path):
    certificate = self_signed(tmp_path, "other.test")
    server = _Server()
    server.socket = certificate.server_context().wrap_socket(server.socket, server_side=True)
    config = HttpConfig(
        allowed_networks=CONFIG.allowed_networks,
        environment=NetworkEnvironment(ca_bundle=str(certificate.cert)),
    )
    for running in _serve(server):
        with pytest.raises(FetchError) as raised:
            _get(f"https://upstream.test:{running.server_address[1]}/plain", config)
    assert "The TLS certificate of upstream.test could not be verified" in str(raised.value)


def test_a_connection_is_reused_only_after_its_answer_was_read_to_the_end(upstream):
    with kept_connections():
        _get(_url(upstream, "/gzip"))
        _get(_url(upstream, "/chunked"))
        assert upstream.connections == 1
        # An error status: the client does not read that body, so the connection goes.
        with pytest.raises(HTTPStatusError):
            _get(_url(upstream, "/missing"))
        assert _get(_url(upstream, "/plain")) == PAGE
    assert upstream.connections == 2


def test_no_decoded_piece_is_larger_than_the_pieces_read():
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))  # 8 MiB from about 8 KiB
    decoder = ContentDecoder("gzip", 64 * 1024)
    pieces = [piece for piece in decoder.decode(bomb)] + list(decoder.finish())
    assert sum(map(len, pieces)) == 8 * 1024 * 1024
    assert max(map(len, pieces)) <= 64 * 1024
