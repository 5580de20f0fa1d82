"""Optional error reports: with a DSN, an error in a view reaches a Sentry-compatible service
(here a real HTTP receiver on 127.0.0.1 that keeps the envelopes), without personal data; a
DSN that is not one stops the start with one line."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from releasemon.operations import error_reports
from releasemon.operations import views as operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def sentry_receiver() -> Iterator[tuple[str, list[bytes]]]:
    envelopes: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            envelopes.append(body)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://public-key@127.0.0.1:{server.server_address[1]}/42", envelopes
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reports off again for the other tests
    server.shutdown()
    server.server_close()


def test_an_error_in_a_view_is_reported_without_personal_data(client, sentry_receiver, monkeypatch):
    dsn, envelopes = sentry_receiver
    error_reports.start_error_reports(dsn, environment="test", release="0.1.0")

    def broken(now=None):
        raise RuntimeError("the database caught fire")

    monkeypatch.setattr(operations, "readiness", broken)
    client.raise_request_exception = False
    session = uuid.uuid4().hex  # made here: the report quotes this file's source lines
    client.cookies["sessionid"] = session

    assert client.get("/readyz").status_code == 500
    sentry_sdk.flush(timeout=5)

    text = b"\n".join(envelopes).decode()
    events = [json.loads(line) for line in text.splitlines() if '"exception"' in line]
    (event,) = events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "RuntimeError" and exception["value"] == "the database caught fire"
    assert event["environment"] == "test" and event["release"] == "releasemon@0.1.0"
    assert session not in text
    assert "127.0.0.1" not in json.dumps(event.get("user", {}))


def test_a_bad_dsn_is_one_readable_line():
    with pytest.raises(error_reports.BadDsn, match="SENTRY_DSN is not a Sentry DSN"):
        error_reports.start_error_reports("not a dsn", environment="x", release="0")
