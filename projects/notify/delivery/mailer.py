"""Handing mails to the mail server (Django's e-mail backend): one at a time, or many over one
connection (:class:`MailSession`, a digest run). Failures are :class:`Outcome` values, never
exceptions, so a refused or unreachable server is a delivery's log line and its retry."""

from __future__ import annotations

import logging
import smtplib
import time
from types import TracebackType

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from projects.notify.delivery.outcome import Outcome, elapsed_ms

logger = logging.getLogger(__name__)

#: What ends a connection the server hung up: a session reopens it once for the next mail.
HUNG_UP = (smtplib.SMTPServerDisconnected, ConnectionError)


class MailSession:
    """One connection to the mail server for many mails.

    Django opens a new connection for each ``send()`` (a TCP and often a TLS handshake and a
    login: half the time of a digest in bench/notify); a session opens one when the first mail
    goes and keeps it. When the server has hung up on a connection the session had kept (an
    idle timeout between two mails), the session reopens it and tries that mail once more. A
    refused recipient leaves the connection usable (smtplib resets the transaction); any other
    error closes it, since the SMTP conversation may be half-way through.
    """

    def __init__(self) -> None:
        self._connection: BaseEmailBackend | None = None

    def __enter__(self) -> MailSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def deliver(self, message: EmailMessage) -> None:
        """Send ``message`` on the session's connection; errors are raised as Django's
        backend raises them."""
        kept = self._connection is not None
        try:
            self._send(message)
        except HUNG_UP:
            self.close()
            if not kept:
                raise
            self._send(message)

    def _send(self, message: EmailMessage) -> None:
        if self._connection is None:
            connection = get_connection()
            connection.open()
            self._connection = connection
        message.connection = self._connection
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused:
            raise
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.close()
        except (smtplib.SMTPException, OSError) as error:
            logger.info("Closing the connection to the mail server failed: %s", error)


def send(message: EmailMessage, session: MailSession | None = None) -> Outcome:
    """Hand ``message`` to the mail server (through ``session``'s connection when given, else
    a connection of its own); errors are outcomes."""
    started = time.monotonic()
    try:
        if session is None:
            message.send()
        else:
            session.deliver(message)
    except smtplib.SMTPResponseException as error:
        return Outcome(
            ok=False,
            status_code=error.smtp_code,
            latency_ms=elapsed_ms(started),
            error="The mail server refused the message: "
            f"{error.smtp_code} {_decoded(error.smtp_error)}",
        )
    except smtplib.SMTPRecipientsRefused as error:
        refusals = "; ".join(
            f"{address}: {code} {_decoded(text)}"
            for address, (code, text) in error.recipients.items()
        )
        return Outcome(
            ok=False, latency_ms=elapsed_ms(started), error=f"The mail server refused {refusals}"
        )
    except (smtplib.SMTPException, OSError) as error:
        return Outcome(
            ok=False,
            latency_ms=elapsed_ms(started),
            error=f"The mail server could not be reached: {error or type(error).__name__}",
        )
    return Outcome(ok=True, latency_ms=elapsed_ms(started))


def _decoded(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text
