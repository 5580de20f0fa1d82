"""Misbehaving upstreams on 127.0.0.1, for tests/backends/test_hostile_upstreams.py,
tests/backends/test_hostile_registries.py and bench/hostile/run.py: a Gitea-style API answering
20,000 new tags on every page, a download page with 20,000 links, 8 MB of "1.1.1...", HTTP
and FTP servers that send their answer a byte at a time, and a registry (:class:`HostileRegistry`)
that answers every request with one attack: an endless or oversized body, a trickle, a redirect
loop or a redirect to a private address, deep JSON or YAML, a YAML alias bomb, a gzip bomb.
"""

from __future__ import annotations

import json
import socketserver
import ssl
import threading
import zlib
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TAGS_PER_PAGE = 20_000
LINKS = 20_000


def _tags_page(page: int) -> bytes:
    tags = [
        {"name": f"v{page}.{n // 1000}.{n % 1000}", "commit": {"sha": f"{n:040x}"}}
        for n in range(TAGS_PER_PAGE)
    ]
    return json.dumps(tags).encode()


def _links_page() -> bytes:
    rows = "".join(f'<a href="tool-1.{n}.tar.gz">tool-1.{n}.tar.gz</a>\n' for n in range(LINKS))
    return f"<html><body>{rows}</body></html>".encode()


class Hostile:
    """One HTTP server on 127.0.0.1 with a route per attack; counts the requests it got.

    The trickling routes send a byte every ``trickle_seconds``.
    """

    def __init__(self, trickle_seconds: float = 0.2) -> None:
        self.requests = 0
        self.trickle_seconds = trickle_seconds
        self.stop = threading.Event()
        self.tags = _tags_page(1)
        self.links = _links_page()
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hostile.requests += 1
                path, _, query = self.path.partition("?")
                if path.endswith("/tags"):
                    # Every page is full and new, whatever `limit` says: a client never stops.
                    page = parse_qs(query).get("page", ["1"])[0]
                    body = hostile.tags if page == "1" else _tags_page(int(page))
                    self._send(body, "application/json")
                elif path == "/downloads/":
                    self._send(hostile.links, "text/html")
                elif path == "/dots/":
                    # 8 MB of "1.1.1...": a regex with a repeated group would hold a record
                    # per repetition while it matches.
                    self._send(b"1." * 4_000_000, "text/plain")
                elif path == "/trickle-body/":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    self._trickle(b"tool-1.0.tar.gz " * 1000)
                elif path == "/trickle-headers/":
                    self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000)
                else:
                    self.send_error(404)

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _trickle(self, data: bytes) -> None:
                for byte in data:
                    if hostile.stop.wait(hostile.trickle_seconds):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:
                        return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


class TricklingFTP(socketserver.ThreadingTCPServer):
    """An FTP server whose greeting comes one byte every ``trickle_seconds``, for ever."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, trickle_seconds: float = 0.2) -> None:
        self.stop = threading.Event()
        stop = self.stop

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                greeting = b"220 " + b"x" * 100_000
                for byte in greeting:
                    if stop.wait(trickle_seconds):
                        return
                    try:
                        self.request.sendall(bytes([byte]))
                    except OSError:
                        return

        super().__init__(("127.0.0.1", 0), Handler)
        self.url = f"ftp://127.0.0.1:{self.server_address[1]}/pub/"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


#: What :class:`HostileRegistry` answers, whatever is asked: each a way to make a check read,
#: wait or expand without end.
REGISTRY_ATTACKS = (
    "endless-body",  # a 200 whose body never ends (no Content-Length, never closed)
    "oversized",  # a 200 announcing a terabyte
    "trickle",  # a 200 whose body comes a byte at a time
    "silent",  # the request is read, and nothing is ever answered
    "redirect-loop",  # a 302 to the same address, for ever
    "redirect-private",  # a 302 to the cloud metadata address
    "deep-json",  # 100,000 nested JSON arrays (JSON is YAML too)
    "deep-yaml",  # 1,000 nested block mappings
    "yaml-laughs",  # "billion laughs": ten levels of aliases to ten aliases
    "gzip-bomb",  # 256 MiB of zeros in about 256 KiB of gzip
)
METADATA_URL = "http://169.254.169.254/latest/meta-data/"
BOMB_BYTES = 256 * 1024 * 1024
_BLOCK = 64 * 1024


@cache
def gzip_bomb() -> bytes:
    """``BOMB_BYTES`` of zeros, gzip-compressed (made once per process)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip wrapper
    zeros = bytes(_BLOCK * 16)
    parts = [packer.compress(zeros) for _ in range(BOMB_BYTES // len(zeros))]
    return b"".join([*parts, packer.flush()])


def deep_yaml(depth: int = 1000) -> bytes:
    return "".join(f"{'  ' * level}k{level}:\n" for level in range(depth)).encode()


def yaml_laughs(levels: int = 10) -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        aliases = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{aliases}]")
    lines.append(f"entries: *a{levels - 1}")
    return "\n".join(lines).encode()


class HostileRegistry:
    """An HTTP (or, given a TLS context, HTTPS) server on 127.0.0.1 answering every GET, at
    any path, with the attack named by :attr:`attack` (one of :data:`REGISTRY_ATTACKS`):
    any backend pointed at it meets that attack on its first request. Counts the requests."""

    def __init__(
        self, attack: str, *, tls: ssl.SSLContext | None = None, trickle_seconds: float = 0.2
    ) -> None:
        if attack not in REGISTRY_ATTACKS:
            raise ValueError(attack)
        self.attack = attack
        self.requests = 0
        self.trickle_seconds = trickle_seconds
        self.stop = threading.Event()
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                registry.requests += 1
                try:
                    self._attack(registry.attack)
                except OSError:  # the client gave up, as it should
                    return

            def _attack(self, attack: str) -> None:
                if attack == "redirect-loop":
                    self._head(302, Location=self.path, **{"Content-Length": "0"})
                elif attack == "redirect-private":
                    self._head(302, Location=METADATA_URL, **{"Content-Length": "0"})
                elif attack == "deep-json":
                    self._whole(b"[" * 100_000 + b"]" * 100_000, "application/json")
                elif attack == "deep-yaml":
                    self._whole(deep_yaml(), "application/x-yaml")
                elif attack == "yaml-laughs":
                    self._whole(yaml_laughs(), "application/x-yaml")
                elif attack == "gzip-bomb":
                    bomb = gzip_bomb()
                    self._head(
                        200,
                        **{
                            "Content-Type": "application/json",
                            "Content-Encoding": "gzip",
                            "Content-Length": str(len(bomb)),
                        },
                    )
                    self.wfile.write(bomb)
                elif attack == "oversized":
                    self._head(
                        200,
                        **{"Content-Type": "application/json"},
                        **{"Content-Length": str(10**12)},
                    )
                    self._endless()
                elif attack == "silent":
                    registry.stop.wait()
                elif attack == "endless-body":
                    self.close_connection = True
                    self._head(200, **{"Content-Type": "application/json"})
                    self._endless()
                else:  # trickle
                    self._head(200, **{"Content-Type": "application/json"})
                    for byte in b'{"versions": ["1.0.0"' + b', "1.0.0"' * 10_000:
                        if registry.stop.wait(registry.trickle_seconds):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()

            def _head(self, status: int, **headers: str) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()

            def _whole(self, body: bytes, content_type: str) -> None:
                self._head(200, **{"Content-Type": content_type, "Content-Length": str(len(body))})
                self.wfile.write(body)

            def _endless(self) -> None:
                block = b'"1.0.0", ' * (_BLOCK // 9)
                self.wfile.write(b'{"versions": [')
                while not registry.stop.is_set():
                    self.wfile.write(block)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"{scheme}://{self.host}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
