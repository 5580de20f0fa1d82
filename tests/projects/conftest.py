"""A local upstream for end-to-end checks: a threaded HTTP server on a loopback address.

It serves, per project name, a download page (``/<name>/``) listing ``<name>-<v>.tar.gz``
archives, and any JSON document a test puts at a path, with ETag and Last-Modified and a 304
answer to a matching conditional request. On demand it answers 429 with Retry-After (the whole
host: that is what a rate limit is), 500 for one path, or waits before answering. It records
every request (path, status, whether it was conditional) so tests can count them.

The SSRF guard refuses loopback addresses; the ``upstream`` fixtures allow exactly the
addresses they listen on, for the test that uses them (``settings.FETCH_ALLOWED_NETWORKS``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backends.base import Backend, Release


@dataclass
class Document:
    body: bytes
    content_type: str
    etag: str
    last_modified: float


@dataclass
class Request:
    path: str
    status: int
    conditional: bool
    headers: dict[str, str] = field(default_factory=dict)


class Upstream:
    """One fake upstream host: its documents, its misbehaviours and its request log."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.lock = threading.Lock()
        self.documents: dict[str, Document] = {}
        self.releases: dict[str, list[str]] = {}
        self.requests: list[Request] = []
        self.failing: set[str] = set()
        self.delays: dict[str, float] = {}
        self.retry_after: int | None = None
        self.redirects: dict[str, str] = {}  # path -> Location (a 302)
        self.authorization: str | None = None  # the Authorization header required (else 401)
        self.released = threading.Event()  # set at teardown: slow answers stop waiting
        self._clock = time.time() - 3600
        self.server = ThreadingHTTPServer((host, 0), _handler_for(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def page_url(self, name: str) -> str:
        return f"{self.base_url}/{name}/"

    # -- content --------------------------------------------------------------------------

    def _stamp(self) -> float:
        # Last-Modified has a one-second resolution: every change gets a later second.
        self._clock = max(self._clock + 1, time.time() - 3600)
        return self._clock

    def _put(self, path: str, body: bytes, content_type: str) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self.documents[path] = Document(body, content_type, etag, self._stamp())

    def publish(self, name: str, *versions: str) -> str:
        """Add releases to ``name``'s download page; return the page's URL."""
        with self.lock:
            listed = self.releases.setdefault(name, [])
            listed.extend(v for v in versions if v not in listed)
            links = "\n".join(
                f'<li><a href="{name}-{v}.tar.gz">{name}-{v}.tar.gz</a></li>' for v in listed
            )
            body = f"<html><body><h1>{name}</h1><ul>\n{links}\n</ul></body></html>"
            self._put(f"/{name}/", body.encode(), "text/html; charset=utf-8")
        return self.page_url(name)

    def put_json(self, path: str, data: object) -> str:
        with self.lock:
            self._put(path, json.dumps(data).encode(), "application/json")
        return self.base_url + path

    # -- misbehaviour ---------------------------------------------------------------------

    def rate_limit(self, retry_after: int | None) -> None:
        """Answer every request 429 with this Retry-After (None: stop)."""
        self.retry_after = retry_after

    def fail(self, path: str) -> None:
        self.failing.add(path)

    def delay(self, path: str, seconds: float) -> None:
        self.delays[path] = seconds

    # -- the log --------------------------------------------------------------------------

    def hits(self, path: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def statuses(self, path: str | None = None) -> Counter:
        return Counter(r.status for r in self.hits(path))

    def forget(self) -> None:
        with self.lock:
            self.requests.clear()

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def _handler_for(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            conditional = bool(
                self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")
            )
            delay = upstream.delays.get(path)
            if delay:
                upstream.released.wait(delay)
            status, headers, body = self._answer(path)
            with upstream.lock:
                upstream.requests.append(
                    Request(path, status, conditional, dict(self.headers.items()))
                )
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting
                pass

        def _answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
            if upstream.authorization and self.headers.get("Authorization") != (
                upstream.authorization
            ):
                return 401, {"WWW-Authenticate": 'Basic realm="private"'}, b"who are you?"
            if path in upstream.redirects:
                return 302, {"Location": upstream.redirects[path]}, b""
            if upstream.retry_after is not None:
                return 429, {"Retry-After": str(upstream.retry_after)}, b"slow down"
            if path in upstream.failing:
                return 500, {}, b"internal error"
            with upstream.lock:
                document = upstream.documents.get(path)
            if document is None:
                return 404, {}, b"not found"
            validators = {
                "ETag": document.etag,
                "Last-Modified": formatdate(document.last_modified, usegmt=True),
            }
            if self._not_modified(document):
                return 304, validators, b""
            return 200, {**validators, "Content-Type": document.content_type}, document.body

        def _not_modified(self, document: Document) -> bool:
            # RFC 9110 13.1.3: If-None-Match wins; If-Modified-Since only without it.
            tags = self.headers.get("If-None-Match")
            if tags:
                return document.etag in [tag.strip() for tag in tags.split(",")]
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return parsedate_to_datetime(since).timestamp() >= int(document.last_modified)
                except (TypeError, ValueError):
                    return False
            return False

    return Handler


@pytest.fixture
def upstreams(settings):
    """A factory of local upstream hosts; the SSRF guard lets checks reach exactly those."""
    started: list[Upstream] = []
    settings.FETCH_ALLOWED_NETWORKS = []

    def start(host: str = "127.0.0.1") -> Upstream:
        upstream = Upstream(host)
        started.append(upstream)
        settings.FETCH_ALLOWED_NETWORKS = [*settings.FETCH_ALLOWED_NETWORKS, f"{host}/32"]
        return upstream

    yield start
    for upstream in started:
        upstream.close()


@pytest.fixture
def upstream(upstreams) -> Upstream:
    """One local upstream on 127.0.0.1."""
    return upstreams("127.0.0.1")


# -- scheduler helpers ----------------------------------------------------------------------


def shares_connections_safely() -> bool:
    """Whether pool threads may write at the same time in tests.

    The SQLite test database lives in memory and threads reach it through SQLite's shared
    cache, whose table locks fail at once ("database table is locked") instead of waiting on
    the busy timeout as a file database (the embedded default) does. On SQLite the tests
    therefore run the pool with one thread; PostgreSQL runs it with four.
    """
    from django.db import connection

    return connection.vendor != "sqlite"


@pytest.fixture
def pool(settings):
    """Scheduler settings for tests: small batches, a pool the test database can take."""
    settings.CRON_POOL = 4 if shares_connections_safely() else 1
    settings.CHECK_BATCH_SIZE = 3
    settings.CHECK_TIMEOUT = 60
    yield settings
    join_check_threads()


def join_check_threads(timeout: float = 30.0) -> None:
    """Wait for pool threads still running (abandoned checks) before the database is reset."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.startswith("check_") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


class FakeBackend(Backend):
    """A backend scripted per project name: versions, an exception, or a callable."""

    name = "custom"

    def __init__(self) -> None:
        self.script: dict[str, object] = {}
        self.calls: Counter = Counter()
        self.lock = threading.Lock()

    def fetch(self, spec, http):
        with self.lock:
            self.calls[spec.name] += 1
        answer = self.script.get(spec.name, ["1.0"])
        if callable(answer):
            answer = answer(spec)
        if isinstance(answer, BaseException):
            raise answer
        return [Release(version) for version in answer]


@pytest.fixture
def fake_backend(monkeypatch) -> FakeBackend:
    """Every project's checks go to one scripted backend (its scope: the version URL host)."""
    from backends import registry

    backend = FakeBackend()
    monkeypatch.setattr(registry, "get_backend", lambda name: backend)
    return backend
