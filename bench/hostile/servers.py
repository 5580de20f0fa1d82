"""Misbehaving upstreams on 127.0.0.1, for tests/backends/test_hostile_upstreams.py and
bench/hostile/run.py: a Gitea-style API answering 20,000 new tags on every page, a download
page with 20,000 links, 8 MB of "1.1.1...", and HTTP and FTP servers that send their answer a
byte at a time.
"""

from __future__ import annotations

import json
import socketserver
import threading
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
