"""Serve the counters of a machine's q2 workers to Prometheus (``/metrics`` on its own port).

A check worker counts its checks, upstream answers and durations in its process; with
``PROMETHEUS_MULTIPROC_DIR`` set (the worker unit does) every worker process writes them to
that folder. The web tier's ``/metrics`` adds up the web processes of its own machine only, so
a machine that runs the workers runs this beside them, with the same folder: it serves every
worker process's counts (not the database's state, which the web tier's ``/metrics`` already
gives once for the whole fleet). No authentication: bind it to an address only the scraper
reaches (default 127.0.0.1:9108).
"""

from __future__ import annotations

import os
import signal
import threading
from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError
from prometheus_client import CollectorRegistry, multiprocess, start_http_server

DEFAULT_BIND = "127.0.0.1:9108"


def host_and_port(bind: str) -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` for IPv6) as a listening address; CommandError if not."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not host:
        raise CommandError(f"--bind {bind}: give host:port, e.g. {DEFAULT_BIND}")
    return host.strip("[]"), int(port)


def worker_registry() -> CollectorRegistry:
    """Every process's counts in PROMETHEUS_MULTIPROC_DIR (CommandError when unset)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        raise CommandError(
            "PROMETHEUS_MULTIPROC_DIR is not set: give it the workers' folder (docs/operations.md)."
        )
    registry = CollectorRegistry()
    # prometheus-client's MultiProcessCollector.__init__ has no annotations.
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


class Command(BaseCommand):
    help = "Serve the q2 workers' metrics of this machine on their own port."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind", default=DEFAULT_BIND, help=f"host:port (default {DEFAULT_BIND})"
        )

    def handle(self, *args: object, bind: str, **options: object) -> None:
        host, port = host_and_port(bind)
        registry = worker_registry()
        try:
            server, _thread = start_http_server(port, addr=host, registry=registry)
        except OSError as error:
            raise CommandError(f"cannot listen on {bind}: {error.strerror or error}") from None
        self.stdout.write(f"Serving the workers' metrics on http://{bind}/metrics")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
