"""A registry on 127.0.0.1 that replays recorded answers, for end-to-end checks.

tests/projects/conftest.py's ``Upstream`` serves download pages by path; registries need more:
answers chosen by path *and* query (pages of tags, ``?service=git-upload-pack``), any status
and header (``Link``, ``WWW-Authenticate``), and the Bearer token handshake of container
registries. This server gives each answer exactly as recorded (a recording case of
tests/fixtures/upstream-recordings, or the answers a backend test builds), with two changes
a replay needs:

- the recorded upstream's address becomes the server's own, in the answers' bodies and
  headers too, so that a service index or a ``Link`` to the next page leads back here;
- a 200 without validators gets an ``ETag`` (of its body) and a ``Last-Modified``, and a
  request that presents them is answered ``304``, as registries behind a CDN do: that is what
  lets a test see whether a check asked conditionally.

Every request is logged (method, path and query, headers, status) for the test to inspect.
"""

from __future__ import annotations

import hashlib
import json
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.backends.conftest import _body_bytes

# Headers that describe the recorded connection or the recorded body's framing, not the answer.
_NOT_REPLAYED = {"content-length", "content-encoding", "transfer-encoding", "connection", "date"}
TOKEN_PATH = "/token"

RouteKey = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class Seen:
    """One request the server answered."""

    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]
    status: int

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def conditional(self) -> bool:
        return bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))


@dataclass(frozen=True)
class BearerRealm:
    """Docker's token authentication: registry requests need ``Authorization: Bearer token``."""

    token: str
    service: str
    refusal: bytes  # the 401's body (an OCI error document)


def route_key(method: str, target: str) -> RouteKey:
    """A request as the server matches it: the decoded path and the query's pairs, sorted, so
    that ``arg[]=x`` and ``arg%5B%5D=x`` (spellings of one request) find the same answer."""
    parts = urlsplit(target)
    query = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return method.upper(), unquote(parts.path), query


class ReplayUpstream:
    """One local registry: its answers, an optional Bearer realm, and the requests it saw.

    Given a TLS server context, it speaks https (registries named by ``oci://`` always do).
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.answers: dict[RouteKey, Answer] = {}
        self.seen: list[Seen] = []
        self.bearer: BearerRealm | None = None
        self.lock = threading.Lock()
        # Last-Modified has a one-second resolution: a whole second, an hour ago.
        self.last_modified = float(int(time.time()) - 3600)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        # A short poll interval: shutdown() waits for the loop's next look at its flag.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def host(self) -> str:
        """The server's address as a registry reference names it: ``127.0.0.1:<port>``."""
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what it answers ------------------------------------------------------------------

    def answer(
        self,
        target: str,
        body: bytes,
        *,
        status: int = 200,
        headers: Iterable[tuple[str, str]] = (),
        method: str = "GET",
    ) -> None:
        self.answers[route_key(method, target)] = Answer(status, tuple(headers), body)

    def answer_json(self, target: str, data: Any) -> None:
        """A JSON document a backend test builds (``json=`` in ``responses``), as it sends it."""
        body = json.dumps(data).encode()
        self.answer(target, body, headers=[("Content-Type", "application/json")])

    def replay(self, case: dict[str, Any]) -> None:
        """Serve a recording case's interactions, at their recorded paths and queries, with
        the recorded upstreams' addresses replaced by this server's."""
        origins = {_origin(interaction["url"]) for interaction in case["interactions"]}
        for interaction in case["interactions"]:
            headers = []
            content_type = None
            for name, value in (interaction.get("headers") or {}).items():
                if name.lower() == "content-type":
                    content_type = value
                if name.lower() not in _NOT_REPLAYED:
                    headers.append((name, self._relocated(value, origins)))
            body = _body_bytes(interaction, content_type)
            if interaction.get("body_encoding") != "base64":
                body = self._relocated(body.decode("latin-1"), origins).encode("latin-1")
            url = urlsplit(interaction["url"])
            self.answer(
                url.path + (f"?{url.query}" if url.query else ""),
                body,
                status=int(interaction["status"]),
                headers=headers,
                method=interaction.get("method", "GET"),
            )

    def require_bearer_token(self, realm: BearerRealm) -> None:
        """Answer registry requests (``/v2/...``) without the token with the 401 challenge,
        and hand the token out at ``/token``."""
        self.bearer = realm

    def _relocated(self, text: str, origins: set[str]) -> str:
        for origin in origins:
            text = text.replace(origin, self.base_url)
        return text

    # -- what it saw ----------------------------------------------------------------------

    def requests(self, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.seen if path is None or seen.path == path]

    def forget(self) -> None:
        with self.lock:
            self.seen.clear()

    def _log(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    # -- answering ------------------------------------------------------------------------

    def respond(self, method: str, target: str, headers: dict[str, str]) -> Answer:
        refusal = self._bearer_refusal(target, headers)
        if refusal is not None:
            return refusal
        answer = self.answers.get(route_key(method, target))
        if answer is None:
            return Answer(404, (("Content-Type", "text/plain"),), b"not recorded")
        if answer.status != 200:
            return answer
        validators = self._validators(answer)
        if _not_modified(headers, dict(validators), self.last_modified):
            return Answer(304, validators, b"")
        names = {name.lower() for name, _ in answer.headers}
        added = tuple((name, value) for name, value in validators if name.lower() not in names)
        return Answer(200, answer.headers + added, answer.body)

    def _validators(self, answer: Answer) -> tuple[tuple[str, str], ...]:
        recorded = {name.lower(): value for name, value in answer.headers}
        etag = recorded.get("etag") or '"' + hashlib.sha256(answer.body).hexdigest()[:16] + '"'
        modified = recorded.get("last-modified") or formatdate(self.last_modified, usegmt=True)
        return ("ETag", etag), ("Last-Modified", modified)

    def _bearer_refusal(self, target: str, headers: dict[str, str]) -> Answer | None:
        realm = self.bearer
        if realm is None:
            return None
        path = urlsplit(target).path
        if path == TOKEN_PATH:
            return self._token(target, realm)
        if not path.startswith("/v2/") or headers.get("Authorization") == f"Bearer {realm.token}":
            return None
        repository = path.removeprefix("/v2/").rsplit("/tags/list", 1)[0]
        challenge = (
            f'Bearer realm="{self.base_url}{TOKEN_PATH}",service="{realm.service}",'
            f'scope="repository:{repository}:pull"'
        )
        return Answer(
            401,
            (("Content-Type", "application/json"), ("WWW-Authenticate", challenge)),
            realm.refusal,
        )

    def _token(self, target: str, realm: BearerRealm) -> Answer:
        query = dict(parse_qsl(urlsplit(target).query))
        if query.get("service") != realm.service or not query.get("scope", "").endswith(":pull"):
            return Answer(400, (("Content-Type", "text/plain"),), b"service and scope, please")
        body = json.dumps({"token": realm.token, "access_token": realm.token, "expires_in": 300})
        return Answer(200, (("Content-Type", "application/json"),), body.encode())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _not_modified(headers: dict[str, str], validators: dict[str, str], modified: float) -> bool:
    # RFC 9110 13.1.3: If-None-Match wins; If-Modified-Since counts only without it.
    tags = headers.get("If-None-Match")
    if tags:
        return validators["ETag"] in [tag.strip() for tag in tags.split(",")]
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return parsedate_to_datetime(since).timestamp() >= modified
        except (TypeError, ValueError):
            return False
    return False


def _handler_for(upstream: ReplayUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._answer("GET")

        def do_HEAD(self) -> None:
            self._answer("HEAD")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            headers = dict(self.headers.items())
            answer = upstream.respond(method, self.path, headers)
            upstream._log(Seen(method, self.path, headers, answer.status))
            try:
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(answer.body)
            except OSError:  # the client gave up
                pass

    return Handler
