"""Real HTTP receivers on loopback for the delivery tests: a webhook endpoint that checks
every signature with the Standard Webhooks reference library, and a JSON endpoint that chat
messages reach through Apprise."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


def serve(receiver: Any) -> ThreadingHTTPServer:
    """Serve ``receiver`` on a free port of 127.0.0.1 (setting its ``port``): each POST's
    lower-cased headers and body go to ``receiver.handle``, whose (status, answer) is sent
    back; a 302 carries ``receiver.redirect`` as its Location."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            if status == 302:
                self.send_header("Location", receiver.redirect)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # socketserver's backlog of 5 would drop the connections of 8 sending threads.
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool
    status: int

    @property
    def payload(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that verifies every request's signature."""

    secret: str
    port: int = 0
    #: Answer 500 to this many requests first.
    fail_first: int = 0
    #: Answer every request with a 302 to this address instead.
    redirect: str = ""
    #: Answer this many bytes (a 200) instead.
    big_answer: int = 0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def delivered(self) -> list[Received]:
        """The requests that were signed right and answered 2xx."""
        return [r for r in self.requests if r.verified and 200 <= r.status < 300]

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self.redirect or self.big_answer:
            self.requests.append(Received(headers, body, False, 302 if self.redirect else 200))
            return (302, b"") if self.redirect else (200, b"x" * self.big_answer)
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        with self.lock:
            failing = len(self.requests) < self.fail_first
            status = 500 if failing or not verified else 202
            self.requests.append(Received(headers, body, verified, status))
        answer = b"down for maintenance" if failing else b'{"ok":true}' if verified else b"bad"
        return status, answer


@dataclass
class ChatEndpoint:
    """A JSON endpoint on 127.0.0.1, as a self-hosted chat bridge would be."""

    status: int = 200
    port: int = 0
    redirect: str = ""
    messages: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/chat"

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        with self.lock:
            self.messages.append(json.loads(body))
        return self.status, b"{}"
