"""Fixtures of the route sweeps (tests/releasemon/routes.py) and an upstream on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import ApiToken
from tests.factories import (
    AdminFactory,
    DistroFactory,
    FlagFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
)
from tests.releasemon.routes import Rows


@pytest.fixture
def rows() -> Rows:
    admin = AdminFactory(username="root", email="root@example.org")
    fedora = DistroFactory(name="Fedora")
    project = ProjectFactory(name="tool")
    ProjectVersionFactory(project=project, version="1.0")
    PackageFactory(project=project, distro=fedora, package_name="tool")
    FlagFactory(project=project)
    _, secret = ApiToken.issue(admin, "scripts")
    return Rows(admin=admin, project=project, secret=secret)


#: The wait ``/limited/`` asks for: long enough that a check cycle and a scrape on a loaded
#: machine end well before it (a second was not, under the parallel suite).
RETRY_AFTER_SECONDS = 3


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/limited/"):
            self.send_response(429)
            self.send_header("Retry-After", str(RETRY_AFTER_SECONDS))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        missing = self.path.startswith("/gone/")
        body = b"nothing here" if missing else b'<a href="widget-2.0.tar.gz">widget 2.0</a>'
        self.send_response(404 if missing else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def upstream(settings) -> Iterator[str]:
    """An upstream on 127.0.0.1 (which checks may reach for this test): a download page with
    widget 2.0 anywhere, a 404 under ``/gone/`` and "429 Too Many Requests, retry after
    :data:`RETRY_AFTER_SECONDS`" under ``/limited/``."""
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
