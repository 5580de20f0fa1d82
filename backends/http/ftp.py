"""The FTP half of the client: files and directory listings over ftp:// and ftps://.

A mixin of :class:`~backends.http.client.HttpClient`: the same guard (the server is reached
at its vetted address, PASV answers are ignored in favour of it), the same caps, the same
budget and a watchdog at the check's deadline; only public data is read, anonymously unless
the project stored credentials for the server's origin.
"""

from __future__ import annotations

import contextlib
import ftplib
import socket
import ssl
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from backends.credentials import origin as url_origin
from backends.http.alarms import set_alarm
from backends.http.errors import (
    _CHECK_URL,
    FetchError,
    ResponseTooLarge,
    UnsafeURL,
    display_url,
    ftp_failure,
)
from backends.http.guard import FTP_SCHEMES
from backends.http.response import _CHUNK_SIZE, HttpResponse

if TYPE_CHECKING:
    from backends.budget import Budget
    from backends.config import HttpConfig


class _TooLarge(Exception):
    pass


# What a failing FTP exchange raises: ftplib's errors, a connection closed mid-answer, and
# a server speaking something other than its encoding.
_FTP_ERRORS: tuple[type[Exception], ...] = (*ftplib.all_errors, EOFError, UnicodeError)


class FtpMixin:
    """``_ftp_get`` and its steps, for a client that has the attributes annotated here."""

    insecure: bool
    config: HttpConfig
    budget: Budget
    _credentials: dict[str, tuple[str, str]]
    check_url: Callable[..., str]

    def _ftp_get(self, url: str, *, listing: bool = False) -> HttpResponse:
        """Retrieve a file, or the LIST of a directory (as urllib does for ``dir/`` URLs)."""
        address = self.check_url(url, FTP_SCHEMES)
        parts = urlsplit(url)
        path = unquote(parts.path) or "/"
        if any(c in path for c in "\r\n"):
            raise UnsafeURL(f"{display_url(url)} is not a valid FTP path. {_CHECK_URL}")
        self.budget.charge_request(url)
        limit = self.config.max_response_bytes
        received: list[bytes] = []
        size = 0

        def collect(block: bytes) -> None:
            nonlocal size
            size += len(block)
            if size > limit:
                raise _TooLarge()
            self.budget.charge_bytes(len(block), url)
            self.budget.remaining()  # the data channel can trickle too
            received.append(block)

        ftp = self._ftp_client(parts)
        # ftplib's timeout bounds each socket operation; the watchdog bounds the whole
        # conversation, greeting and login included, by the check's deadline (a server may
        # trickle a byte per timeout).
        timed_out = threading.Event()

        def abort() -> None:
            timed_out.set()
            if ftp.sock is not None:
                with contextlib.suppress(OSError):
                    ftp.sock.shutdown(socket.SHUT_RDWR)

        watchdog = set_alarm(self.budget.remaining(), abort)
        try:
            self._ftp_login(ftp, url, parts, address)
            if listing or path.endswith("/"):
                self._ftp_list(ftp, path, collect)
            else:
                try:
                    ftp.retrbinary(f"RETR {path}", collect, blocksize=_CHUNK_SIZE)
                except ftplib.error_perm:
                    # Not a file: urllib then lists it as a directory; so do we.
                    received.clear()
                    size = 0
                    self._ftp_list(ftp, path, collect)
        except _TooLarge:
            raise ResponseTooLarge(url, limit) from None
        except _FTP_ERRORS as error:
            if timed_out.is_set():
                raise self.budget.out_of_time() from None
            raise ftp_failure(url, error) from None
        except FetchError:
            if timed_out.is_set():
                raise self.budget.out_of_time() from None
            raise
        finally:
            watchdog.cancel()
            with contextlib.suppress(OSError):
                ftp.close()
        if timed_out.is_set():
            raise self.budget.out_of_time()
        return HttpResponse(url=url, status=200, reason="OK", content=b"".join(received))

    def _ftp_client(self, parts: Any) -> ftplib.FTP:
        """An unconnected FTP (or FTPS) client for the URL's scheme."""
        connect_timeout = self.budget.timeout(self.config.connect_timeout)
        if parts.scheme.lower() == "ftps":
            context = ssl.create_default_context()
            if self.insecure:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return ftplib.FTP_TLS(context=context, timeout=connect_timeout)  # noqa: S321
        # Upstreams still publish on FTP; only public data is read, anonymously.
        return ftplib.FTP(timeout=connect_timeout)  # noqa: S321

    def _ftp_login(self, ftp: ftplib.FTP, url: str, parts: Any, address: str) -> None:
        host = parts.hostname or ""
        try:
            # Connect to the checked address; PASV answers are ignored in favour of it too
            # (ftplib's default), so a hostile server cannot bounce us to another host.
            ftp.connect(
                address, parts.port or 21, timeout=self.budget.timeout(self.config.connect_timeout)
            )
            ftp.host = host  # TLS verifies and sends SNI for the name, not the address
            ftp.timeout = self.budget.timeout(self.config.read_timeout)
            if ftp.sock is not None:  # connect() set it
                ftp.sock.settimeout(ftp.timeout)
            user, password = self._credentials.get(url_origin(url) or "") or (
                unquote(parts.username) if parts.username else "",
                unquote(parts.password) if parts.password else "",
            )
            ftp.login(user, password)
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
        except _FTP_ERRORS as error:
            raise ftp_failure(url, error) from None

    @staticmethod
    def _ftp_list(ftp: ftplib.FTP, path: str, collect: Callable[[bytes], None]) -> None:
        # Binary transfer: listings are not always utf-8, and retrlines would choke on them.
        ftp.cwd(path)
        ftp.retrbinary("LIST", collect, blocksize=_CHUNK_SIZE)
