"""The errors a user reads, against real sockets on 127.0.0.1 (issue #14).

Every failure of a check is shown on the project page, in the API's error bodies and in the
logs: one line that names the host or URL, says what happened in plain words and what to try.
No Python reprs, object addresses, errno numbers or tracebacks, and never the credentials of
a URL.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backends.base import BackendError
from backends.http import FetchError, HttpClient, HttpConfig, HTTPStatusError, UnsafeURL
from backends.regexes import versions_by_regex
from tests.backends.conftest import make_spec
from tests.tls import self_signed

# Servers that answer get a read timeout a loaded CI machine cannot miss; the silent server
# gets a short one, so its test waits 0.3 s instead of seconds.
LOCAL = HttpConfig(
    allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
    connect_timeout=2,
    read_timeout=10,
    max_redirects=3,
)
IMPATIENT = dataclasses.replace(LOCAL, read_timeout=0.3)
INTERNALS = ("PinnedHTTP", "HTTPConnection", "object at 0x", "Errno", "Traceback", "Error(")


def assert_readable(message: str) -> None:
    """One line, short, and none of Python's insides."""
    assert "\n" not in message
    assert len(message) <= 300, len(message)
    for inside in INTERNALS:
        assert inside not in message, inside


def failure(url: str, **kw) -> str:
    with pytest.raises(BackendError) as raised:
        HttpClient(config=kw.pop("config", LOCAL), **kw).get(url)
    message = str(raised.value)
    assert_readable(message)
    return message


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        elif self.path.startswith("/status/"):
            self.send_response(int(self.path.rsplit("/", 1)[1]))
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"oops")
        else:
            body = b"<a href='qux-1.0.tar.gz'>qux 1.0</a>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def raw_server() -> Iterator[tuple[int, list]]:
    """A listening socket whose behaviour a test sets: ``("silent",)`` accepts and never
    answers, ``("reset",)`` resets every connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    mode: list = ["silent"]
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if mode[0] == "reset":
                conn.recv(10)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            else:
                held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1], mode
    listener.close()
    for conn in held:
        conn.close()


# -- connecting ---------------------------------------------------------------------------------


def test_a_dead_host_says_the_connection_was_refused():
    port = closed_port()
    assert failure(f"http://127.0.0.1:{port}/downloads/") == (
        f"Could not connect to 127.0.0.1 port {port}: the connection was refused. Is the server "
        f"up, and is the URL right? (http://127.0.0.1:{port}/downloads/)"
    )


def test_the_credentials_of_a_url_are_never_shown():
    port = closed_port()
    message = failure(f"http://alice:s3cret@127.0.0.1:{port}/private/")
    assert "s3cret" not in message and "alice" not in message
    assert message.endswith(f"(http://127.0.0.1:{port}/private/)")


def test_a_server_that_never_answers_times_out_readably(raw_server):
    port, _ = raw_server
    assert failure(f"http://127.0.0.1:{port}/", config=IMPATIENT) == (
        "127.0.0.1 accepted the connection but sent no answer within 0.3 s. The server may be "
        f"overloaded; the next check tries again. (http://127.0.0.1:{port}/)"
    )


def test_a_reset_connection(raw_server):
    port, mode = raw_server
    mode[0] = "reset"
    assert failure(f"http://127.0.0.1:{port}/") == (
        "The connection to 127.0.0.1 was reset before the answer arrived. The server may be "
        "overloaded or blocking automated requests; the next check tries again. "
        f"(http://127.0.0.1:{port}/)"
    )


def test_an_unknown_host_is_a_dns_failure():
    def no_such_host(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert failure("https://x.example/releases/", resolver=no_such_host) == (
        "The host x.example could not be found (DNS). Check the spelling of the URL. "
        "(https://x.example/releases/)"
    )


def test_an_unanswered_dns_lookup_suggests_being_offline():
    def offline(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    assert failure("https://x.example/", resolver=offline) == (
        "The host x.example could not be looked up: the DNS server did not answer. Is this "
        "machine offline? The next check tries again. (https://x.example/)"
    )


def test_an_ftp_server_that_is_down():
    port = closed_port()
    assert failure(f"ftp://127.0.0.1:{port}/pub/") == (
        f"Could not connect to 127.0.0.1 port {port}: the connection was refused. Is the server "
        f"up, and is the URL right? (ftp://127.0.0.1:{port}/pub/)"
    )


# -- TLS ----------------------------------------------------------------------------------------


def test_https_to_a_plain_http_port(server):
    port = server.rsplit(":", 1)[1]
    assert failure(f"https://127.0.0.1:{port}/") == (
        f"The TLS connection to 127.0.0.1 port {port} failed: wrong version number. Does the "
        f"server speak https on this port? (https://127.0.0.1:{port}/)"
    )


def test_a_self_signed_certificate(tmp_path):
    certificate = self_signed(tmp_path, "upstream.test")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.socket = certificate.server_context().wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    port = httpd.server_address[1]
    try:
        message = failure(
            f"https://upstream.test:{port}/", resolver=lambda host, port: ["127.0.0.1"]
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert message == (
        "The TLS certificate of upstream.test could not be verified: self-signed certificate. "
        "Check that the URL names the site's own host; for a site with a self-signed "
        f"certificate, tick the project's Insecure option. (https://upstream.test:{port}/)"
    )


# -- answers ------------------------------------------------------------------------------------


def test_a_missing_page(server):
    with pytest.raises(HTTPStatusError) as raised:
        HttpClient(config=LOCAL).get(f"{server}/status/404")
    assert raised.value.status == 404
    assert str(raised.value) == (
        f"{server}/status/404 answered HTTP 404 Not Found: the page does not exist (any more). "
        "Check the version URL."
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            500,
            "answered HTTP 500 Internal Server Error: the server failed with an internal error. "
            "This is usually temporary; the next check tries again.",
        ),
        (
            503,
            "answered HTTP 503 Service Unavailable: the service is unavailable for now "
            "(maintenance or overload). This is usually temporary; the next check tries again.",
        ),
        (
            403,
            "answered HTTP 403 Forbidden: access is forbidden. The page may be private, or the "
            "server may block automated requests.",
        ),
        (
            418,
            "answered HTTP 418 I'm a Teapot: the server refused the request. "
            "Check the version URL.",
        ),
    ],
)
def test_error_statuses_say_what_they_mean(server, status, expected):
    assert failure(f"{server}/status/{status}") == f"{server}/status/{status} {expected}"


def test_a_redirect_loop(server):
    assert failure(f"{server}/loop") == (
        f"{server}/loop redirected more than 3 times (a redirect loop?). Open it in a browser "
        "and use the address it ends at as the version URL."
    )


def test_an_answer_cut_off(server):
    assert failure(f"{server}/cut") == (
        "The answer from 127.0.0.1 was cut off: the connection broke before the whole page "
        f"arrived. This is usually temporary; the next check tries again. ({server}/cut)"
    )


# -- URLs a check refuses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "http://10.1.2.3/",
            "http://10.1.2.3/: refusing to connect to 10.1.2.3, a private, loopback, link-local "
            "or reserved address that checks may not reach. Use the site's public URL.",
        ),
        (
            "file:///etc/passwd",
            "file:///etc/passwd cannot be checked: the file scheme is not allowed (only http:// "
            "or https://). Check the version URL.",
        ),
        (
            "example.org/downloads/",
            "example.org/downloads/ is not a valid URL (No scheme supplied. Perhaps you meant "
            "https://example.org/downloads/?). Check the version URL.",
        ),
        (
            "http://[::1/",
            "http://[::1/ is not a valid URL (Invalid IPv6 URL). Check the version URL.",
        ),
        (
            "http://x.example:99999/",
            "http://x.example:99999/ is not a valid URL. Check the version URL.",
        ),
    ],
)
def test_refused_urls(url, expected):
    with pytest.raises(UnsafeURL) as raised:
        HttpClient().get(url)
    assert str(raised.value) == expected
    assert_readable(expected)


def test_a_long_url_is_clipped():
    port = closed_port()
    url = f"http://127.0.0.1:{port}/" + "a" * 400
    message = failure(url)
    assert message.endswith("…)")


# -- regexes ------------------------------------------------------------------------------------


def test_a_regex_that_matches_nothing_on_a_real_page(server):
    spec = make_spec(name="qux", homepage=server, backend="custom")
    with pytest.raises(BackendError) as raised:
        versions_by_regex(HttpClient(config=LOCAL), f"{server}/downloads/", r"nomatch-(\d+)", spec)
    assert str(raised.value) == (
        f"qux: no upstream version found. The page {server}/downloads/ was read, but the "
        r"regular expression nomatch-(\d+) found no version on it. Check the regex against the "
        "page (Test check shows what it finds)."
    )
    assert_readable(str(raised.value))


def test_fetch_errors_keep_their_type_for_the_backends():
    port = closed_port()
    with pytest.raises(FetchError) as raised:
        HttpClient(config=LOCAL).get(f"http://127.0.0.1:{port}/")
    assert raised.value.reason == "the connection was refused"
    assert raised.value.url == f"http://127.0.0.1:{port}/"
