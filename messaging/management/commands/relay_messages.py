"""``manage.py relay_messages``: publish the outbox to RabbitMQ once, or follow it."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from messaging import relay
from messaging.models import OutboxMessage
from messaging.outbox import routing_key


class Command(BaseCommand):
    help = (
        "Publish pending outbox messages to RabbitMQ (AMQP_URL), in order. Follows the outbox "
        "until Ctrl-C unless --once is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="publish what is pending, then exit (non-zero on a broker error)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between polls of the outbox when following (default 1)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=relay.BATCH_SIZE, help="rows per transaction"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1 or options["interval"] <= 0:
            raise CommandError("--batch-size and --interval must be positive")
        if not settings.AMQP_URL:
            pending = OutboxMessage.objects.pending().count()
            self.stdout.write(
                f"AMQP_URL is not set: nothing to publish to ({pending} message(s) stay pending)."
            )
            return
        self.verbosity = options["verbosity"]
        publisher = relay.Publisher(settings.AMQP_URL)
        try:
            if options["once"]:
                self._once(publisher, options["batch_size"])
            else:
                self._follow(publisher, options["batch_size"], options["interval"])
        finally:
            publisher.close()

    def _print_sent(self, row: OutboxMessage) -> None:
        if self.verbosity >= 1:
            self.stdout.write(
                f"sent #{row.pk} {routing_key(row.topic)} (message id {row.message_id})"
            )

    def _once(self, publisher: relay.Publisher, batch_size: int) -> None:
        result = relay.publish_pending(
            publisher=publisher, batch_size=batch_size, on_sent=self._print_sent
        )
        if result.error:
            raise CommandError(f"broker error after {result.sent} message(s): {result.error}")
        if result.busy:
            self.stdout.write("another relay is publishing; nothing done.")
        elif result.waiting_until:
            self.stdout.write(
                f"the next message waits until {result.waiting_until:%Y-%m-%d %H:%M:%S} UTC "
                "after a failure (the admin's 'retry now' action clears it)."
            )
        if self.verbosity >= 1:
            self.stdout.write(f"{result.sent} message(s) sent.")

    def _follow(self, publisher: relay.Publisher, batch_size: int, interval: float) -> None:
        self.stdout.write(f"following the outbox every {interval:g}s; Ctrl-C stops.")
        total = 0
        last_error = None
        try:
            while True:
                result = relay.publish_pending(
                    publisher=publisher, batch_size=batch_size, on_sent=self._print_sent
                )
                total += result.sent
                if result.error and result.error != last_error:
                    self.stderr.write(f"broker error (will retry): {result.error}")
                last_error = result.error
                if not result.sent or result.error:
                    time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write(f"\nstopped; {total} message(s) sent.")
