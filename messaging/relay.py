"""The relay: publishes pending outbox rows to RabbitMQ, in id order, with publisher confirms.

Delivery is at-least-once. A row is marked sent only after RabbitMQ confirmed it; if the
process dies between the confirm and the commit that marks it, the row is sent again, and the
``message_id`` lets consumers drop the duplicate. The relay stops at the first failure so that
row N+1 never leaves before row N; the failed row records the error and waits with exponential
backoff, and the next run (on a fresh connection) starts again from it.

Two relays never publish at the same time: on PostgreSQL each batch takes a transaction-scoped
advisory lock (a second relay finds it taken and returns) and locks its rows; on SQLite the
batch's transaction is the database's single writer lock. Exclusive relaying, not
``SKIP LOCKED``, is what keeps the order: two relays skipping each other's rows would publish
two batches side by side.

The envelope is fedora-messaging's: the configured topic exchange (default ``amq.topic``),
routing key ``<prefix>.anitya.<topic>``, persistent delivery, JSON in UTF-8, the message id,
and the headers computed by :func:`messaging.outbox.build_headers` when the row was written.
"""

from __future__ import annotations

import datetime
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import pika
import pika.exceptions
from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from prometheus_client import Counter

from messaging.models import OutboxMessage
from messaging.outbox import routing_key

logger = logging.getLogger(__name__)

# pika logs each failed connection attempt at ERROR, with tracebacks; the relay reports every
# failure itself in one line (and records it on the row). LOGGING may still set pika's level.
_pika_logger = logging.getLogger("pika")
if _pika_logger.level == logging.NOTSET:
    _pika_logger.setLevel(logging.CRITICAL)

#: pg_try_advisory_xact_lock key held by the relay batch in progress ("relmon" + 2).
RELAY_LOCK_KEY = 0x72656C6D6F6E02
BATCH_SIZE = 500
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 120.0
#: Socket and blocked-connection timeouts (seconds) unless the URL sets its own.
CONNECT_TIMEOUT_SECONDS = 10.0
BLOCKED_TIMEOUT_SECONDS = 30.0


class BrokerError(Exception):
    """RabbitMQ could not be reached, refused the message, or dropped the connection."""


#: What a socket error on the way to the broker means, and what to try.
_SOCKET_ERRORS: tuple[tuple[type[BaseException], str], ...] = (
    (
        ConnectionRefusedError,
        "the connection was refused. Is RabbitMQ running, and is AMQP_URL right?",
    ),
    (socket.gaierror, "the host could not be found (DNS). Check the host name in AMQP_URL."),
    (TimeoutError, "no answer in time. Is RabbitMQ running? A firewall may also be in the way."),
    (
        ConnectionResetError,
        "the connection was reset. Is it RabbitMQ's AMQP port? The next attempt tries again.",
    ),
)


def describe(error: BaseException) -> str:
    """One readable line for a pika or socket error (pika's own texts are nested reprs)."""
    for _ in range(3):  # AMQPConnectionError(AMQPConnectorSocketConnectError(OSError))
        inner = getattr(error, "exception", None)
        if inner is None and isinstance(error, pika.exceptions.AMQPConnectionError):
            inner = next((arg for arg in error.args if isinstance(arg, BaseException)), None)
        if not isinstance(inner, BaseException):
            break
        error = inner
    if isinstance(error, pika.exceptions.ChannelClosedByBroker):
        return f"channel closed by the broker: {error.reply_code} {error.reply_text}"
    if isinstance(error, pika.exceptions.ConnectionClosedByBroker):
        return f"connection closed by the broker: {error.reply_code} {error.reply_text}"
    if isinstance(error, pika.exceptions.NackError):
        return "the broker refused the message (nack)"
    if isinstance(
        error,
        pika.exceptions.ProbableAuthenticationError
        | pika.exceptions.ProbableAccessDeniedError
        | pika.exceptions.AuthenticationError,
    ):
        return "the broker refused the login. Check the user, password and vhost in AMQP_URL."
    for kind, text in _SOCKET_ERRORS:
        if isinstance(error, kind):
            return text
    if isinstance(error, OSError) and error.strerror:  # no "[Errno 113]"
        return f"{error.strerror[:1].lower()}{error.strerror[1:]}."
    text = str(error).strip() or repr(error)
    return " ".join(f"{type(error).__name__}: {text}".split())


def backoff_seconds(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1, 2, 4, ... up to 120)."""
    factor: int = 2 ** max(attempts - 1, 0)
    return min(BACKOFF_BASE_SECONDS * factor, BACKOFF_MAX_SECONDS)


def connection_parameters(url: str) -> pika.URLParameters:
    parameters = pika.URLParameters(url)
    if "socket_timeout" not in url:
        parameters.socket_timeout = CONNECT_TIMEOUT_SECONDS
    if "blocked_connection_timeout" not in url:
        parameters.blocked_connection_timeout = BLOCKED_TIMEOUT_SECONDS
    return parameters


def properties_for(row: OutboxMessage) -> pika.BasicProperties:
    """The AMQP properties of ``row``, as fedora-messaging sets them."""
    return pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        headers=dict(row.headers),
        message_id=str(row.message_id),
        timestamp=int(row.created.timestamp()),
    )


def encode_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode("utf-8")


class Publisher:
    """One connection and confirming channel to RabbitMQ, opened on first use."""

    def __init__(self, url: str, exchange: str | None = None) -> None:
        self.url = url
        self.exchange = settings.AMQP_EXCHANGE if exchange is None else exchange
        self._connection: pika.BlockingConnection | None = None
        self._channel: pika.adapters.blocking_connection.BlockingChannel | None = None

    def __enter__(self) -> Publisher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return bool(
            self._connection is not None
            and self._channel is not None
            and self._connection.is_open
            and self._channel.is_open
        )

    def open(self) -> pika.adapters.blocking_connection.BlockingChannel:
        """Connect (again, if the previous connection is gone) and return the confirming
        channel. Raises :class:`BrokerError`."""
        connection, channel = self._connection, self._channel
        if connection is not None and channel is not None and self.is_open:
            try:
                # Services heartbeats and notices a connection the broker dropped meanwhile.
                connection.process_data_events(time_limit=0)
                return channel
            except (pika.exceptions.AMQPError, OSError):
                self.close()
        self.close()
        try:
            parameters = connection_parameters(self.url)
        except ValueError as error:
            raise BrokerError(f"invalid AMQP_URL: {error}") from error
        where = f"{parameters.host} port {parameters.port}"
        try:
            self._connection = connection = pika.BlockingConnection(parameters)
            self._channel = channel = connection.channel()
            channel.confirm_delivery()
            if self.exchange:
                # Declares nothing: fails if the exchange does not exist.
                channel.exchange_declare(self.exchange, passive=True)
        except (pika.exceptions.AMQPError, OSError) as error:
            self.close()
            raise BrokerError(
                f"Could not connect to the message broker at {where}: {describe(error)}"
            ) from error
        return channel

    def publish(self, row: OutboxMessage) -> None:
        """Publish ``row`` and wait for the broker's confirm. Raises :class:`BrokerError`."""
        channel = self._channel
        if channel is None or not self.is_open:
            channel = self.open()
        try:
            channel.basic_publish(
                exchange=self.exchange,
                routing_key=routing_key(row.topic),
                body=encode_body(row.body),
                properties=properties_for(row),
            )
        except (pika.exceptions.AMQPError, OSError) as error:
            self.close()
            raise BrokerError(describe(error)) from error

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except (pika.exceptions.AMQPError, OSError):
                logger.debug("closing the AMQP connection failed", exc_info=True)


@dataclass
class RelayResult:
    """What one :func:`publish_pending` call did."""

    sent: int = 0
    error: str | None = None
    #: Another relay held the lock: this one published nothing.
    busy: bool = False
    #: The head row is waiting for its backoff to end (nothing was attempted).
    waiting_until: datetime.datetime | None = None

    def __int__(self) -> int:
        return self.sent


def _lock_relay(using: str) -> bool:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return True  # SQLite: the batch transaction is the single writer lock.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [RELAY_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _pending_batch(using: str, batch_size: int) -> list[OutboxMessage]:
    rows = OutboxMessage.objects.using(using).pending().order_by("id")
    if connections[using].features.has_select_for_update:
        rows = rows.select_for_update()
    return list(rows[:batch_size])


#: What the relay did, for /metrics (prometheus_client; see projects/telemetry.py for the
#: multiprocess mode).
RELAYED = Counter(
    "releasemon_relay_messages",
    "Outbox messages the relay handed to RabbitMQ (published) or could not (failed).",
    ["result"],
)


def _record_failure(row: OutboxMessage, error: str, now: datetime.datetime) -> None:
    attempts = row.attempts + 1
    retry_at = now + datetime.timedelta(seconds=backoff_seconds(attempts))
    OutboxMessage.objects.using(row._state.db).filter(pk=row.pk).update(
        attempts=attempts, last_error=error, next_attempt_at=retry_at
    )
    logger.warning(
        "publishing outbox message #%s (%s) failed (attempt %s, retry after %s): %s",
        row.pk,
        row.topic,
        attempts,
        retry_at.isoformat(timespec="seconds"),
        error,
    )


def _in_backoff(row: OutboxMessage, now: datetime.datetime) -> bool:
    return row.next_attempt_at is not None and row.next_attempt_at > now


def _relay_batch(
    publisher: Publisher,
    batch_size: int,
    respect_backoff: bool,
    result: RelayResult,
    on_sent: Callable[[OutboxMessage], None] | None,
) -> bool:
    """Publish one batch; return True when the caller should go on with the next one."""
    using = router.db_for_write(OutboxMessage)
    pending = OutboxMessage.objects.using(using).pending().order_by("id")
    head = pending.only("id", "topic", "attempts", "next_attempt_at").first()
    if head is None:
        return False
    if respect_backoff and _in_backoff(head, timezone.now()):
        result.waiting_until = head.next_attempt_at
        return False
    # Connect before taking any database lock: an unreachable broker may take a while to fail.
    try:
        publisher.open()
    except BrokerError as error:
        result.error = str(error)
        _record_failure(head, result.error, timezone.now())
        RELAYED.labels("failed").inc()
        return False

    sent: list[OutboxMessage] = []
    more = False
    with transaction.atomic(using=using):
        if not _lock_relay(using):
            result.busy = True
            return False
        rows = _pending_batch(using, batch_size)
        if not rows:
            return False
        if respect_backoff and _in_backoff(rows[0], timezone.now()):
            result.waiting_until = rows[0].next_attempt_at
            return False
        for row in rows:
            try:
                publisher.publish(row)
            except BrokerError as error:
                result.error = str(error)
                _record_failure(row, result.error, timezone.now())
                break
            sent.append(row)
        else:
            more = len(rows) == batch_size
        _mark_sent(using, [row.pk for row in sent])
    result.sent += len(sent)
    if sent:
        RELAYED.labels("published").inc(len(sent))
    if result.error:
        RELAYED.labels("failed").inc()
    if on_sent is not None:
        for row in sent:
            on_sent(row)
    return more


def _mark_sent(using: str, ids: list[int]) -> None:
    now = timezone.now()
    for start in range(0, len(ids), 500):
        OutboxMessage.objects.using(using).filter(pk__in=ids[start : start + 500]).update(
            sent_at=now, attempts=F("attempts") + 1, last_error="", next_attempt_at=None
        )


def publish_pending(
    *,
    publisher: Publisher | None = None,
    url: str | None = None,
    batch_size: int = BATCH_SIZE,
    max_seconds: float | None = None,
    respect_backoff: bool = True,
    on_sent: Callable[[OutboxMessage], None] | None = None,
) -> RelayResult:
    """Publish pending rows in order, batch after batch, until none is left.

    Stops early at the first failure (recorded on the failed row), when the head row is in
    backoff, when another relay is busy, or after ``max_seconds``. With no ``publisher``, no
    ``url`` and no ``AMQP_URL`` setting it does nothing (messages stay in the outbox). A
    ``publisher`` passed in stays open for the next call; one made here is closed.
    """
    own = publisher is None
    if publisher is None:
        url = url or settings.AMQP_URL
        if not url:
            return RelayResult()
        publisher = Publisher(url)
    result = RelayResult()
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    try:
        while _relay_batch(publisher, batch_size, respect_backoff, result, on_sent):
            if deadline is not None and time.monotonic() >= deadline:
                break
    finally:
        if own:
            publisher.close()
    if result.sent:
        logger.info("published %s outbox message(s)", result.sent)
    return result
