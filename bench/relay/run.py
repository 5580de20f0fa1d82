"""Relay throughput: publish N pending outbox rows to the local RabbitMQ, in messages per second.

    .venv/bin/python bench/relay/run.py [--rows 10000] [--batch-sizes 100,500,1000]
                                        [--database-url URL] [--amqp-url URL]

Without --database-url it uses a throw-away SQLite file (migrated here); with a PostgreSQL URL
the database must exist (it is migrated, and its outbox emptied). Each row carries a realistic
body (project.version.update.v2 for a project with 30 versions and 3 mappings, about 2 KB).
Messages go to amq.topic under a unique prefix, into a temporary queue bound to it, so every
publish is routed and confirmed; the queue is checked to hold every message, then deleted.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch-sizes", default="100,500,1000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    return parser.parse_args()


def setup_django(database_url: str | None) -> None:
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-relay-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "bench.sqlite3"
        database_url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench-relay-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "releasemon.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def sample_body() -> dict:
    from projects import messages
    from projects.models import Distro, Package, Project, ProjectVersion

    project, _ = Project.objects.get_or_create(
        name="bench-relay", homepage="https://pypi.org/project/bench-relay", backend="PyPI"
    )
    for minor in range(30):
        ProjectVersion.objects.get_or_create(project=project, version=f"1.{minor}.0")
    for name in ("Fedora", "Debian", "Arch"):
        distro, _ = Distro.objects.get_or_create(name=f"bench-{name}")
        Package.objects.get_or_create(
            project=project, distro=distro, defaults={"package_name": "python-bench-relay"}
        )
    _, v2 = messages.version_update(
        project, upstream_version="1.29.0", old_version="1.28.0", upstream_versions=["1.29.0"]
    )
    return v2.body


def fill_outbox(rows: int, body: dict) -> float:
    """Write ``rows`` pending rows as emit() would (bulk, to time the relay only)."""
    from django.utils import timezone

    from messaging.models import OutboxMessage
    from messaging.outbox import build_headers
    from messaging.topics import PROJECT_VERSION_UPDATE_V2, Message

    OutboxMessage.objects.all().delete()
    message = Message(PROJECT_VERSION_UPDATE_V2, body)
    now = timezone.now()
    objects = [
        OutboxMessage(topic=message.topic, body=body, headers=build_headers(message, now))
        for _ in range(rows)
    ]
    started = time.perf_counter()
    OutboxMessage.objects.bulk_create(objects, batch_size=1000)
    return time.perf_counter() - started


def time_emit(count: int, body: dict) -> float:
    """Rows per second through emit() itself, one transaction per message."""
    from django.db import transaction

    from messaging import outbox
    from messaging.models import OutboxMessage
    from messaging.topics import PROJECT_VERSION_UPDATE_V2, Message

    message = Message(PROJECT_VERSION_UPDATE_V2, body)
    started = time.perf_counter()
    for _ in range(count):
        with transaction.atomic():
            outbox.emit(message)
    elapsed = time.perf_counter() - started
    OutboxMessage.objects.all().delete()
    return count / elapsed


def main() -> None:
    args = parse_args()
    setup_django(args.database_url)
    import pika
    from django.conf import settings
    from django.db import connection

    from messaging import relay
    from messaging.models import OutboxMessage

    prefix = f"bench.{uuid.uuid4().hex[:8]}"
    settings.AMQP_TOPIC_PREFIX = prefix
    settings.AMQP_EXCHANGE = "amq.topic"
    consumer = pika.BlockingConnection(pika.URLParameters(args.amqp_url))
    channel = consumer.channel()
    queue = channel.queue_declare(f"{prefix}.queue", exclusive=True).method.queue
    channel.queue_bind(queue, "amq.topic", routing_key=f"{prefix}.#")

    body = sample_body()
    body_bytes = len(relay.encode_body(body))
    emit_rate = time_emit(500, body)
    results = []
    for batch_size in [int(size) for size in args.batch_sizes.split(",")]:
        fill_seconds = fill_outbox(args.rows, body)
        channel.queue_purge(queue)
        started = time.perf_counter()
        result = relay.publish_pending(url=args.amqp_url, batch_size=batch_size)
        elapsed = time.perf_counter() - started
        if result.error or result.sent != args.rows:
            raise SystemExit(f"relay stopped: sent {result.sent}, error {result.error}")
        queued = channel.queue_declare(queue, passive=True).method.message_count
        assert queued == args.rows, f"queue holds {queued}, expected {args.rows}"
        assert not OutboxMessage.objects.pending().exists()
        results.append((batch_size, result.sent, elapsed, fill_seconds))
    channel.queue_delete(queue)
    consumer.close()
    OutboxMessage.objects.all().delete()

    broker = args.amqp_url.split("@")[-1]
    print(f"relay throughput: {args.rows} pending rows -> RabbitMQ ({broker})")
    print(
        f"database: {connection.vendor}; body: project.version.update.v2, {body_bytes} bytes; "
        "publisher confirms on, persistent delivery"
    )
    print()
    print(f"{'batch size':>10} | {'messages':>8} | {'seconds':>8} | {'msg/s':>8}")
    print(f"{'-' * 10}-+-{'-' * 8}-+-{'-' * 8}-+-{'-' * 8}")
    for batch_size, sent, elapsed, _ in results:
        print(f"{batch_size:>10} | {sent:>8} | {elapsed:>8.2f} | {sent / elapsed:>8.0f}")
    print()
    print(f"for comparison, emit() in its own transaction: {emit_rate:.0f} rows/s")


if __name__ == "__main__":
    main()
