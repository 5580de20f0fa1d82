"""A real HTTP receiver on loopback for the delivery tests (webhooks, chat through Apprise)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
