"""Direct requests: one HTTP/1.1 exchange on the pinned connection, with the standard library.

A request that goes to its upstream itself (no proxy) is sent on an :mod:`http.client`
connection this module opens to the address the guard vetted, with the hostname kept for the
``Host`` header, SNI and the certificate check. requests' adapter and urllib3's pool did the
same, at a cost: 650 µs of CPU for an unchanged (304) answer through :class:`HttpClient`,
where ``http.client`` alone spends 130-190 µs (both measured on the checks benchmark's local
upstream). The parsing of what the upstream sends stays the standard library's: status line,
header and chunk limits, ``IncompleteRead`` on a short body.

What requests and urllib3 did on top, this module does too:

- **Content codings** (:mod:`backends.http.codings`): ``gzip`` and ``deflate``, what the
  client asks for, undone in pieces no larger than those read.
- **Failures as requests' exceptions** (``ConnectTimeout``, ``ReadTimeout``,
  ``ConnectionError`` wrapping what broke), which :mod:`backends.http.errors` turns into the
  one line a person reads, as before.
- **Kept connections** (:mod:`backends.http.keepalive`): a connection is reused only for the
  same scheme, host, port, pinned address and TLS settings, once its last answer was read to
  the end; one idle too long, or whose peer has hung up, is closed and a new one opened.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl
import time
from collections.abc import Iterator
from typing import Any, cast

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.exceptions import ProtocolError

from backends.http.codings import ContentDecoder
from backends.http.keepalive import register_use, too_idle

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TLS_CONTEXTS: dict[bool | str, ssl.SSLContext] = {}

ConnectionKey = tuple[str, str, int, str, "bool | str"]


def tls_context(verify: bool | str) -> ssl.SSLContext:
    """The TLS settings for ``verify`` (True: requests' CA bundle; a path: that bundle or
    folder; False: no verification), made once per process: loading a bundle costs ms."""
    found = _TLS_CONTEXTS.get(verify)
    if found is not None:
        return found
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        bundle = DEFAULT_CA_BUNDLE_PATH if verify is True else verify
        try:
            context = ssl.create_default_context(cafile=bundle)
        except (IsADirectoryError, PermissionError):
            context = ssl.create_default_context(capath=bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    _TLS_CONTEXTS[verify] = context
    return context


#: What http.client allows a status or header line, and header lines in an answer.
_MAX_LINE = 65536
_MAX_HEADERS = 100


class Answer(http.client.HTTPResponse):
    """http.client's response, its header lines read without the email package.

    http.client hands an answer's header block to ``email.parser``: 60 µs of the ~190 an
    unchanged (304) answer costs it, 8% of a check cycle's CPU. The lines are read here
    under the same limits (65,536 bytes a line, fewer than 100 lines) and kept as the parser
    keeps them (the name as sent, the value without its leading blanks), except that a
    folded line (obsolete) joins its header with one space, as RFC 9112 asks, and a line
    without a colon is dropped rather than ending the headers. The framing of the body
    (Content-Length, chunked, the connection's end) is worked out as http.client does.
    """

    #: The header lines as (name, value), in the order received.
    fields: list[tuple[str, str]]

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()
            if status != http.client.CONTINUE:
                break
            _read_header_lines(self.fp)  # an interim answer's headers: dropped
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.fields = _fields(_read_header_lines(self.fp))
        message = http.client.HTTPMessage()
        for name, value in self.fields:
            message[name] = value
        self.headers = self.msg = message
        coding = message.get("transfer-encoding")
        self.chunked = bool(coding) and coding.lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()
        self.length = _declared_length(message.get("content-length"), self.chunked)
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":
            self.length = 0  # (no body, whatever the headers say)
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True  # the body ends when the connection does


def _read_header_lines(fp: Any) -> list[bytes]:
    lines: list[bytes] = []
    while True:
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return lines
        lines.append(line)
        if len(lines) >= _MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")


def _fields(lines: list[bytes]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.decode("iso-8859-1").rstrip("\r\n")
        if line[:1] in (" ", "\t"):
            if fields:  # a folded line continues the header before it
                name, value = fields[-1]
                fields[-1] = (name, value + " " + line.strip(" \t"))
            continue
        name, colon, value = line.partition(":")
        if colon:
            fields.append((name, value.lstrip(" \t")))
    return fields


def _declared_length(value: str | None, chunked: bool) -> int | None:
    """The Content-Length to read to, as http.client takes it (ignored when chunked)."""
    if not value or chunked:
        return None
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None


class PinnedConnection(http.client.HTTPConnection):
    """A keep-alive connection to ``host`` that connects to the vetted ``address``."""

    response_class = Answer

    def __init__(self, key: ConnectionKey) -> None:
        scheme, host, port, address, verify = key
        super().__init__(host, port)
        self.default_port = _DEFAULT_PORTS[scheme]  # (no ":443" in the Host header of https)
        self.scheme = scheme
        self.address = address
        self.verify = verify
        self.connect_timeout: float | None = None
        self.read_timeout: float | None = None
        self.last_used: float | None = None
        #: Requests sent on the current socket (more than none: it is a kept connection).
        self.requests_carried = 0
        #: The last answer read on it (the next request waits until it was read to the end).
        self.answer: http.client.HTTPResponse | None = None

    def connect(self) -> None:
        """Open the socket to the pinned address (TLS for https) within the connect timeout."""
        try:
            sock = socket.create_connection((self.address, self.port), self.connect_timeout)
        except TimeoutError as error:
            raise requests.exceptions.ConnectTimeout(error) from error
        except OSError as error:
            raise requests.exceptions.ConnectionError(error) from error
        register_use(sock, reused=False)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.scheme == "https":
                # The certificate is checked against the host's name, not the address.
                sock = tls_context(self.verify).wrap_socket(sock, server_hostname=self.host)
                register_use(sock, reused=False)
        except TimeoutError as error:
            sock.close()
            raise requests.exceptions.ConnectTimeout(error) from error
        except OSError as error:  # ssl.SSLError included
            sock.close()
            raise requests.exceptions.ConnectionError(error) from error
        sock.settimeout(self.read_timeout)
        self.sock = sock
        self.requests_carried = 0

    def usable(self) -> bool:
        """Whether the kept (open) socket may carry another request: not idle too long, and
        its peer has neither hung up nor sent anything unasked (a readable idle socket is
        either)."""
        if too_idle(self.last_used):
            return False
        poller = select.poll()  # (select() fails on descriptors above 1023)
        try:
            poller.register(self.sock, select.POLLIN)
            return not poller.poll(0)
        except (OSError, ValueError):
            return False


class DirectResponse:
    """An answer being read, with the parts of ``requests.Response`` the client uses.

    ``raw`` is the answer itself (as urllib3's response is for requests): ``read``,
    ``release_conn``, ``shutdown`` and ``length_remaining`` are what the client calls on it.
    """

    def __init__(
        self,
        answer: Answer,
        connection: PinnedConnection,
        sock: socket.socket | None,
        url: str,
    ) -> None:
        self._answer = answer
        #: http.client's own response: requests' cookie extraction reads its headers.
        self._original_response = answer
        self._connection = connection
        self._sock = sock
        self.raw = self
        self.url = url
        self.status_code = answer.status
        self.reason = answer.reason
        self.headers = joined_headers(answer.fields)

    @property
    def length_remaining(self) -> int | None:
        """Body bytes still to come, as the upstream declared them (None: until it ends)."""
        if self._answer.isclosed():
            return 0
        return self._answer.length

    def read(self) -> bytes:
        """The rest of the body, undecoded (the client only reads this of an empty one)."""
        try:
            return self._answer.read()
        except (http.client.HTTPException, OSError) as error:
            raise requests.exceptions.ConnectionError(error) from error

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        """The body, decoded, in pieces of at most ``chunk_size`` bytes."""
        decoder = ContentDecoder(self.headers.get("Content-Encoding"), chunk_size)
        while True:
            data = self._answer.read(chunk_size)
            if not data:
                break
            yield from decoder.decode(data)
        missing = self._answer.length
        if missing:  # (http.client ends a short body quietly when it reads in parts)
            self._connection.close()
            raise http.client.IncompleteRead(b"", missing)
        yield from decoder.finish()

    def release_conn(self) -> None:
        """The answer was read to its end: its connection stays for the next request."""
        self._connection.last_used = time.monotonic()

    def shutdown(self) -> None:
        """Wake a read blocked on this answer's socket (a deadline has come)."""
        if self._sock is not None:
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Done with the answer: its connection is kept if the answer was read to the end,
        else closed (what is left of the answer must not reach the next request)."""
        if self._answer.isclosed():
            self.release_conn()
            return
        self._answer.close()
        self._connection.close()


def joined_headers(fields: list[tuple[str, str]]) -> CaseInsensitiveDict[str]:
    """The answer's headers by name, a repeated header's values joined with ", " (as
    urllib3 gives them to requests), under the name's first spelling."""
    joined: dict[str, tuple[str, list[str]]] = {}
    for name, value in fields:
        found = joined.get(name.lower())
        if found is None:
            joined[name.lower()] = (name, [value])
        else:
            found[1].append(value)
    return CaseInsensitiveDict({name: ", ".join(values) for name, values in joined.values()})


def exchange(
    connection: PinnedConnection,
    prepared: requests.PreparedRequest,
    target: str,
    timeout: tuple[float, float],
) -> DirectResponse:
    """Send ``prepared`` on ``connection`` (its path and query are ``target``) and read the
    answer's status line and headers; failures raise requests' exceptions."""
    connection.connect_timeout, connection.read_timeout = timeout
    unfinished = connection.answer is not None and not connection.answer.isclosed()
    if connection.sock is not None and (unfinished or not connection.usable()):
        connection.close()
    if connection.sock is None:
        connection.connect()
    else:
        if connection.sock.gettimeout() != timeout[1]:  # (setting it is a system call)
            connection.sock.settimeout(timeout[1])
        register_use(connection.sock, reused=connection.requests_carried > 0)
    connection.last_used = time.monotonic()
    try:
        connection.putrequest(prepared.method or "GET", target, skip_accept_encoding=True)
        for name, value in prepared.headers.items():
            connection.putheader(name, value)
        body = prepared.body
        connection.endheaders(body.encode() if isinstance(body, str) else body)
        connection.requests_carried += 1
        sock = connection.sock  # (getresponse lets go of it when the answer ends the connection)
        answer = cast(Answer, connection.getresponse())  # (its response_class)
    except TimeoutError as error:
        connection.close()
        raise requests.exceptions.ReadTimeout(error) from error
    except http.client.HTTPException as error:  # a status line or headers beyond parsing
        connection.close()
        raise requests.exceptions.ConnectionError(
            ProtocolError("Connection aborted.", error)
        ) from error
    except OSError as error:
        connection.close()
        raise requests.exceptions.ConnectionError(error) from error
    except BaseException:  # (a request refused half-way leaves http.client's state broken)
        connection.close()
        raise
    connection.answer = answer
    return DirectResponse(answer, connection, sock, prepared.url or "")


def connection_key(url_parts: Any, address: str, verify: bool | str) -> ConnectionKey:
    """What a kept connection must match to carry a request to ``url_parts``."""
    scheme = url_parts.scheme.lower()
    port = url_parts.port or _DEFAULT_PORTS[scheme]
    host = (url_parts.hostname or "").lower()
    return (scheme, host, port, address, verify if scheme == "https" else False)
