"""Notifications benchmark (issue 16): webhook fan-out, sustained delivery lag, daily digests.

Runs the real code path (``projects.notify.fanout`` then ``projects.notify.tasks.notify_deliver``)
against its own PostgreSQL database and a webhook receiver on 127.0.0.1 in a separate process
that verifies every signature with the Standard Webhooks reference library. See README.md.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import multiprocessing
import os
import random
import resource
import secrets
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from bench.dataset import ensure_database, setup_django

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/releasemon_notifybench"
#: The targets of the issue, in seconds.
FANOUT_TARGET_S = 60.0
DIGEST_TARGET_S = 60.0
LAG_P99_TARGET_S = 60.0
#: Rows per INSERT while loading.
LOAD_BATCH = 5000
#: Idle waits of the loops that stand in for the q2 tasks (q2 polls its queue every second).
FAN_OUT_IDLE_S = 0.5
DELIVER_IDLE_S = 0.2
SCENARIOS = ("fanout", "lag", "digest")


def log(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(f"  {message}", file=sys.stderr, flush=True)


def cpu_seconds() -> float:
    """CPU time (user + system) of this process, all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the webhook receiver (its own process, so it does not share our GIL) -----------------------


def serve_receiver(secret: str, commands: Connection) -> None:
    """Answer 204 to webhook requests on a free port of 127.0.0.1, verifying each signature
    with ``standardwebhooks``; answer the main process's commands on ``commands``."""
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError

    verifier = Webhook(secret)
    lock = threading.Lock()
    received: list[tuple[int, float]] = []  # (event id, wall-clock time received)
    bad = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {key.lower(): value for key, value in self.headers.items()}
            now = time.time()
            try:
                verifier.verify(body, headers)
                event_id = int(json.loads(body)["event_id"])
            except (WebhookVerificationError, ValueError, KeyError):
                with lock:
                    bad[0] += 1
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with lock:
                received.append((event_id, now))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 4096
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    commands.send(server.server_address[1])
    while True:
        command = commands.recv()
        with lock:
            if command == "stats":
                last = received[-1][1] if received else None
                commands.send((len(received), bad[0], last, time.process_time()))
            elif command == "dump":
                commands.send(list(received))
            elif command == "reset":
                received.clear()
                bad[0] = 0
                commands.send(True)
            else:
                break
    server.shutdown()
    commands.send(True)


@dataclass
class Receiver:
    secret: str
    process: multiprocessing.process.BaseProcess = field(init=False)
    commands: Connection = field(init=False)
    port: int = 0

    def start(self) -> Receiver:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self.process = context.Process(
            target=serve_receiver, args=(self.secret, theirs), daemon=True
        )
        self.process.start()
        self.commands = ours
        self.port = ours.recv()
        return self

    def ask(self, command: str) -> Any:
        self.commands.send(command)
        return self.commands.recv()

    def stats(self) -> tuple[int, int, float | None, float]:
        """(verified requests, refused requests, time of the last one, receiver CPU s)."""
        return self.ask("stats")  # type: ignore[no-any-return]

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{index}"

    def stop(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.ask("stop")
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


def wait_received(receiver: Receiver, expected: int, timeout: float) -> tuple[int, int, float]:
    """Wait until the receiver has ``expected`` verified requests (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        count, bad, last, _cpu = receiver.stats()
        if count >= expected or time.monotonic() > deadline:
            return count, bad, last or 0.0
        time.sleep(0.05)


# -- data ------------------------------------------------------------------------------------


def reset_tables() -> None:
    """Empty the users, projects, outbox and notification tables (this database is ours)."""
    from django.db import connection

    from accounts.models import User
    from messaging.models import OutboxMessage
    from projects.models import Project
    from projects.notify.models import FanOutCursor

    tables = [model._meta.db_table for model in (User, Project, OutboxMessage, FanOutCursor)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def load(
    n_users: int, n_projects: int, watches_per_user: int, receiver: Receiver, tag: str
) -> None:
    """``n_users`` users with one webhook channel each, ``n_projects`` projects; user ``u``
    watches projects ``(u + k * n_users / watches_per_user) mod n_projects``, k < watches."""
    from accounts.models import User
    from projects.models import Project
    from projects.notify.models import Channel, Watch

    reset_tables()
    projects = [
        Project(
            name=f"{tag}-{index}",
            homepage=f"https://example.org/{tag}/{index}",
            ecosystem_name=f"https://example.org/{tag}/{index}",
            backend="custom",
        )
        for index in range(n_projects)
    ]
    Project.objects.bulk_create(projects, batch_size=LOAD_BATCH)
    project_ids = list(Project.objects.order_by("id").values_list("id", flat=True))
    users = [
        User(email=f"{tag}{index}@bench.invalid", username=f"{tag}{index}", password="!")
        for index in range(n_users)
    ]
    User.objects.bulk_create(users, batch_size=LOAD_BATCH)
    Channel.objects.bulk_create(
        (
            Channel(
                user=user,
                kind=Channel.Kind.WEBHOOK,
                name="bench",
                target=receiver.url(index),
                secret=receiver.secret,
            )
            for index, user in enumerate(users)
        ),
        batch_size=LOAD_BATCH,
    )
    stride = max(1, n_projects // watches_per_user)
    watches = (
        Watch(user=user, project_id=project_ids[(index + k * stride) % n_projects])
        for index, user in enumerate(users)
        for k in range(watches_per_user)
    )
    Watch.objects.bulk_create(watches, batch_size=LOAD_BATCH)
    from django.db import connection

    with connection.cursor() as cursor:
        for model in (Watch, Channel, User, Project):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def store_release(project_id: int, raw: str) -> int:
    """Store version ``raw`` of the project and emit the version messages as a check does
    (:func:`projects.check.record`); the id of the ``project.version.update.v2`` row."""
    from django.db import transaction

    from backends.versions import sort_versions
    from messaging.outbox import emit_all
    from messaging.topics import PROJECT_VERSION_UPDATE_V2
    from projects import messages
    from projects.models import Project, ProjectVersion

    with transaction.atomic():
        project = Project.objects.get(pk=project_id)
        old_version = project.latest_version
        ProjectVersion.objects.create(project=project, version=raw)
        ordered = project.visible_versions
        project.latest_version = ordered[0][1].parsed if ordered else None
        project.save(update_fields=["latest_version"])
        parsed = sort_versions([project.make_version(raw)])
        rows = emit_all(
            messages.version_update(
                project,
                upstream_version=project.latest_version,
                old_version=old_version,
                upstream_versions=[version.parsed for version in parsed],
            )
        )
    return next(row.pk for row in rows if row.topic == PROJECT_VERSION_UPDATE_V2)


def delivery_states() -> dict[str, int]:
    from django.db.models import Count

    from projects.notify.models import Delivery

    rows = Delivery.objects.values("state").annotate(n=Count("id")).values_list("state", "n")
    return dict(rows)


# -- scenarios ---------------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    measure: str
    value: str
    target: str = ""
    verdict: str = ""


def run_fanout(args: argparse.Namespace, receiver: Receiver) -> list[Row]:
    from django.db import connection

    from projects.models import Project
    from projects.notify import fanout, tasks

    started = time.monotonic()
    load(args.watchers, 1, 1, receiver, "fo")
    log(args, f"fan-out: loaded {args.watchers} users in {time.monotonic() - started:.1f} s")
    connection.close()
    receiver.ask("reset")
    project_id = Project.objects.values_list("id", flat=True).get()
    stored_at = time.time()
    store_release(project_id, "1.0.0")
    cpu_before = cpu_seconds()
    _, _, _, receiver_cpu_before = receiver.stats()
    began = time.time()
    written = fanout.catch_up()
    fanout.release_held()
    fanned = time.time() - began
    log(args, f"fan-out: {written} deliveries written in {fanned:.2f} s; delivering")
    while tasks.notify_deliver():
        pass
    count, bad, last = wait_received(receiver, written, 30)
    cpu = cpu_seconds() - cpu_before
    _, _, _, receiver_cpu_after = receiver.stats()
    states = delivery_states()
    until_last = last - stored_at if count else float("nan")
    rate = count / (last - began) if count and last > began else 0.0
    met = count == written == args.watchers and until_last <= FANOUT_TARGET_S
    return [
        Row("fanout", "watchers (webhook channels)", f"{args.watchers:,}"),
        Row("fanout", "deliveries written", f"{written:,}"),
        Row("fanout", "time to fan out", f"{fanned:.2f} s"),
        Row(
            "fanout",
            "time until the last delivery received",
            f"{until_last:.1f} s",
            f"< {FANOUT_TARGET_S:.0f} s",
            _v(met),
        ),
        Row("fanout", "deliveries per second", f"{rate:.0f}"),
        Row("fanout", "received, verified / refused", f"{count:,} / {bad}"),
        Row("fanout", "delivery states", _states(states)),
        Row(
            "fanout",
            "CPU of this process",
            f"{cpu:.1f} s ({cpu / max(count, 1) * 1e3:.2f} ms each)",
        ),
        Row("fanout", "CPU of the receiver", f"{receiver_cpu_after - receiver_cpu_before:.1f} s"),
    ]


def _states(states: dict[str, int]) -> str:
    return ", ".join(f"{state} {count:,}" for state, count in sorted(states.items())) or "none"


class Loop(threading.Thread):
    """Call ``step`` until stopped, waiting ``idle`` seconds when it did nothing."""

    def __init__(self, name: str, step: Callable[[], int], idle: float) -> None:
        super().__init__(name=name, daemon=True)
        self.step, self.idle = step, idle
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stopping.is_set():
                if not self.step():
                    self.stopping.wait(self.idle)
        except BaseException as error:  # reported by the main thread
            self.error = error
        finally:
            connection.close()


def produce_versions(
    database_url: str,
    project_ids: list[int],
    rate: float,
    duration: float,
    seed: int,
    stored: Any,
    streamed: Any,
) -> None:
    """The checks: store ``rate`` new versions a minute on random projects, evenly spaced, for
    ``duration`` seconds (its own process, as q2's check workers are); count them in
    ``stored``, and the seconds it took in ``streamed``."""
    setup_django(database_url)
    chooser = random.Random(seed)
    minor: dict[int, int] = {}
    interval = 60.0 / rate
    first = time.monotonic()
    while True:
        due = first + stored.value * interval
        if due - first >= duration:
            break
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        project_id = chooser.choice(project_ids)
        minor[project_id] = minor.get(project_id, 0) + 1
        store_release(project_id, f"1.{minor[project_id]}.0")
        with stored.get_lock():
            stored.value += 1
    streamed.value = time.monotonic() - first


def run_lag(args: argparse.Namespace, receiver: Receiver) -> list[Row]:
    from django.db import connection

    from messaging.models import OutboxMessage
    from projects.models import Project
    from projects.notify import fanout, tasks
    from projects.notify.models import Delivery, FanOutCursor

    users = max(1, args.watches // args.watches_per_user)
    started = time.monotonic()
    load(users, args.projects, args.watches_per_user, receiver, "lag")
    log(
        args,
        f"lag: loaded {users:,} users, {args.projects:,} projects, "
        f"{users * args.watches_per_user:,} watches in {time.monotonic() - started:.1f} s",
    )
    project_ids = list(Project.objects.values_list("id", flat=True))
    connection.close()
    receiver.ask("reset")
    context = multiprocessing.get_context("spawn")
    stored, streamed = context.Value("i", 0), context.Value("d", 0.0)
    checks = context.Process(
        target=produce_versions,
        args=(
            args.database_url,
            project_ids,
            args.rate,
            args.duration,
            args.seed,
            stored,
            streamed,
        ),
        daemon=True,
    )

    def fan_out_step() -> int:
        written = fanout.catch_up()
        fanout.release_held()
        return written

    cpu_before = cpu_seconds()
    first = time.monotonic()
    checks.start()
    loops = [
        Loop("fan-out", fan_out_step, FAN_OUT_IDLE_S),
        Loop("deliver", tasks.notify_deliver, DELIVER_IDLE_S),
    ]
    for loop in loops:
        loop.start()
    try:
        while checks.is_alive():
            checks.join(15)
            _raise_from(loops)
            count, *_ = receiver.stats()
            log(args, f"lag: {stored.value:,} versions stored, {count:,} deliveries received")
        if checks.exitcode != 0:
            raise RuntimeError(f"the checks process ended with {checks.exitcode}")
        # Drain: the fan-out and delivery loops go on until every delivery arrived.
        drain_deadline = time.monotonic() + args.drain
        while time.monotonic() < drain_deadline:
            _raise_from(loops)
            pending = Delivery.objects.filter(state__in=["pending", "held"]).count()
            last_event = OutboxMessage.objects.order_by("-id").values_list("id", flat=True)[:1]
            cursor = FanOutCursor.objects.filter(pk=fanout.CURSOR_ID).first()
            caught_up = cursor is not None and cursor.last_event_id >= (list(last_event) or [0])[0]
            if caught_up and not pending:
                break
            time.sleep(1)
    finally:
        if checks.is_alive():
            checks.kill()
        for loop in loops:
            loop.stopping.set()
        for loop in loops:
            loop.join(60)
    elapsed = time.monotonic() - first
    cpu = cpu_seconds() - cpu_before
    written = Delivery.objects.count()
    count, bad, _last = wait_received(receiver, written, 10)
    received = receiver.ask("dump")
    created = dict(OutboxMessage.objects.values_list("id", "created"))
    lags = sorted(at - created[event_id].timestamp() for event_id, at in received)
    states = delivery_states()
    connection.close()
    p50 = statistics.median(lags) if lags else float("nan")
    p99 = _percentile(lags, 0.99)
    worst = lags[-1] if lags else float("nan")
    met = bool(lags) and p99 < LAG_P99_TARGET_S and count == written
    return [
        Row(
            "lag",
            "watches / projects / users",
            f"{users * args.watches_per_user:,} / {args.projects:,} / {users:,}",
        ),
        Row(
            "lag",
            "versions stored (rate asked)",
            f"{stored.value:,} in {streamed.value:.0f} s ({args.rate:,.0f}/min)",
        ),
        Row("lag", "deliveries written / received", f"{written:,} / {count:,} (refused {bad})"),
        Row("lag", "delivery states", _states(states)),
        Row("lag", "lag p50", f"{p50:.2f} s"),
        Row(
            "lag",
            "lag p99",
            f"{p99:.2f} s",
            f"< {LAG_P99_TARGET_S:.0f} s",
            _v(met),
        ),
        Row("lag", "lag max", f"{worst:.2f} s"),
        Row("lag", "CPU of this process", f"{cpu:.1f} s over {elapsed:.0f} s"),
    ]


def _raise_from(loops: list[Loop]) -> None:
    for loop in loops:
        if loop.error is not None:
            raise RuntimeError(f"the {loop.name} loop failed") from loop.error


def _percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def serve_smtp(commands: Connection) -> None:
    """An aiosmtpd server on a free port of 127.0.0.1 that counts the mails it accepts."""
    import socket

    from aiosmtpd.controller import Controller

    class Counter:
        def __init__(self) -> None:
            self.mails = 0
            self.recipients = 0
            self.last = 0.0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
            self.mails += 1
            self.recipients += len(envelope.rcpt_tos)
            self.last = time.time()
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    commands.send(port)
    while commands.recv() == "stats":
        commands.send((counter.mails, counter.recipients, counter.last, time.process_time()))
    controller.stop()
    commands.send(True)


@dataclass
class SmtpServer:
    process: multiprocessing.process.BaseProcess = field(init=False)
    commands: Connection = field(init=False)
    port: int = 0

    def start(self) -> SmtpServer:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self.process = context.Process(target=serve_smtp, args=(theirs,), daemon=True)
        self.process.start()
        self.commands = ours
        self.port = ours.recv()
        return self

    def stats(self) -> tuple[int, int, float, float]:
        """(mails, recipients, time of the last mail, server CPU s)."""
        self.commands.send("stats")
        return self.commands.recv()  # type: ignore[no-any-return]

    def stop(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.commands.send("stop")
            self.commands.recv()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


#: A day's releases as the fan-out would have written them for digest channels: one pending
#: delivery per (watch, channel), due a day ago, with the fan-out's payload.
DIGEST_DELIVERIES_SQL = """
INSERT INTO {delivery} (event_id, message_id, watch_id, channel_id, project_id, payload, state,
                        due_at, attempts, response_excerpt, error, created)
SELECT p.id, gen_random_uuid(), w.id, c.id, p.id,
       jsonb_build_object(
           'type', 'release', 'event_id', p.id,
           'project', jsonb_build_object('id', p.id, 'name', p.name, 'homepage', p.homepage,
                                         'ecosystem', p.ecosystem_name,
                                         'url', %(site)s || '/project/' || p.id || '/'),
           'versions', jsonb_build_array('1.1.0'), 'latest', '1.1.0', 'previous', '1.0.0',
           'published_at', '{{}}'::jsonb,
           'links', jsonb_build_object('project', %(site)s || '/project/' || p.id || '/',
                                       'release', p.homepage || '/releases/tag/1.1.0'),
           'packages', '[]'::jsonb),
       'pending', now() - interval '1 day', 0, '', '', now() - interval '1 day'
FROM {watch} w
JOIN {channel} c ON c.user_id = w.user_id
JOIN {project} p ON p.id = w.project_id
"""


def send_digest_share(
    database_url: str, part: int, parts: int, ready: Any, sent: Any, cpu: Any
) -> None:
    """One digest worker (its own process): set up, wait for the others, send its share of
    the due digests; add what it sent and its CPU time to ``sent`` and ``cpu``."""
    setup_django(database_url)
    from projects.notify import digests

    ready.wait(timeout=120)
    cpu_before = cpu_seconds()
    count = digests.send_due_digests(share=digests.Share(part, parts))
    used = cpu_seconds() - cpu_before
    with sent.get_lock():
        sent.value += count
    with cpu.get_lock():
        cpu.value += used


def run_digest(args: argparse.Namespace, smtp: SmtpServer | None) -> list[Row]:
    import importlib.util

    target = f"< {DIGEST_TARGET_S:.0f} s"
    if smtp is None or importlib.util.find_spec("projects.notify.digests") is None:
        return [Row("digest", "digests: not built yet", "-", target, "-")]
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from projects.models import Project
    from projects.notify.models import Channel, Delivery, Watch

    started = time.monotonic()
    reset_tables()
    n_projects = max(args.digest_watches, args.digest_projects)
    Project.objects.bulk_create(
        (
            Project(
                name=f"dg-{index}",
                homepage=f"https://example.org/dg/{index}",
                ecosystem_name=f"https://example.org/dg/{index}",
                backend="custom",
            )
            for index in range(n_projects)
        ),
        batch_size=LOAD_BATCH,
    )
    project_ids = list(Project.objects.order_by("id").values_list("id", flat=True))
    users = [
        User(email=f"dg{index}@bench.invalid", username=f"dg{index}", password="!")
        for index in range(args.digest_users)
    ]
    User.objects.bulk_create(users, batch_size=LOAD_BATCH)
    Channel.objects.bulk_create(
        (
            Channel(
                user=user,
                kind=Channel.Kind.EMAIL,
                name="digest",
                target=user.email,
                schedule=Channel.Schedule.DAILY,
                digest_hour=0,
                time_zone="UTC",
            )
            for user in users
        ),
        batch_size=LOAD_BATCH,
    )
    stride = max(1, n_projects // args.digest_watches)
    Watch.objects.bulk_create(
        (
            Watch(user=user, project_id=project_ids[(index + k * stride) % n_projects])
            for index, user in enumerate(users)
            for k in range(args.digest_watches)
        ),
        batch_size=LOAD_BATCH,
    )
    tables = {
        "delivery": Delivery._meta.db_table,
        "watch": Watch._meta.db_table,
        "channel": Channel._meta.db_table,
        "project": Project._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(DIGEST_DELIVERIES_SQL.format(**tables), {"site": settings.SITE_URL})
        for table in tables.values():
            cursor.execute(f"ANALYZE {table}")
    waiting = Delivery.objects.count()
    log(
        args,
        f"digest: {args.digest_users:,} users, {waiting:,} pending deliveries loaded in "
        f"{time.monotonic() - started:.1f} s; sending",
    )
    # Each share in its own process, as NOTIFY_DIGEST_WORKERS q2 workers run them.
    parts = max(1, int(settings.NOTIFY_DIGEST_WORKERS))
    connection.close()
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(parts + 1)
    sent_value, cpu_value = context.Value("i", 0), context.Value("d", 0.0)
    workers = [
        context.Process(
            target=send_digest_share,
            args=(args.database_url, part, parts, ready, sent_value, cpu_value),
            daemon=True,
        )
        for part in range(parts)
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=120)  # every worker has Django up, as a running q2 cluster has
    mails_before, _, _, smtp_cpu_before = smtp.stats()
    began = time.time()
    for worker in workers:
        worker.join()
    took = time.time() - began
    sent, cpu = sent_value.value, cpu_value.value
    mails, _recipients, _last, smtp_cpu = smtp.stats()
    mails -= mails_before
    states = delivery_states()
    met = mails == args.digest_users and took <= DIGEST_TARGET_S
    return [
        Row(
            "digest",
            "users / watches each / deliveries",
            f"{args.digest_users:,} / {args.digest_watches} / {waiting:,}",
        ),
        Row("digest", "time to build and hand over", f"{took:.1f} s", target, _v(met)),
        Row("digest", "digests sent / mails received", f"{sent:,} / {mails:,}"),
        Row("digest", "digests per second", f"{mails / took if took else 0:.0f}"),
        Row("digest", "delivery states", _states(states)),
        Row("digest", "digest workers (processes)", f"{parts}"),
        Row(
            "digest",
            "CPU of the digest workers",
            f"{cpu:.1f} s ({cpu / max(mails, 1) * 1e3:.2f} ms each)",
        ),
        Row("digest", "CPU of the SMTP server", f"{smtp_cpu - smtp_cpu_before:.1f} s"),
    ]


def _v(met: bool) -> str:
    return "met" if met else "MISSED"


# -- output ------------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    header = Row("scenario", "measure", "value", "target", "verdict")
    widths = [
        max(len(getattr(row, name)) for row in [header, *rows])
        for name in ("scenario", "measure", "value", "target", "verdict")
    ]

    def line(row: Row) -> str:
        cells = [row.scenario, row.measure, row.value, row.target, row.verdict]
        return (
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            + " |"
        )

    print(line(header))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in rows:
        print(line(row))


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.notify.run", description=__doc__)
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help=f"PostgreSQL, created and migrated if missing (default {DEFAULT_DATABASE}). "
        "Each scenario EMPTIES its users, projects, outbox and notification tables.",
    )
    parser.add_argument("--watchers", type=int, default=10_000, help="fan-out: users (10000)")
    parser.add_argument("--watches", type=int, default=100_000, help="lag: watches (100000)")
    parser.add_argument(
        "--projects", type=int, default=10_000, help="lag: projects the watches spread over"
    )
    parser.add_argument(
        "--watches-per-user", type=int, default=10, help="lag: watches per user (10)"
    )
    parser.add_argument("--rate", type=float, default=1000, help="lag: versions per minute")
    parser.add_argument("--duration", type=float, default=120, help="lag: seconds (120)")
    parser.add_argument(
        "--drain", type=float, default=300, help="lag: seconds to let the backlog out (300)"
    )
    parser.add_argument("--digest-users", type=int, default=10_000, help="digest: users (10000)")
    parser.add_argument(
        "--digest-watches", type=int, default=20, help="digest: watches per user (20)"
    )
    parser.add_argument(
        "--digest-projects", type=int, default=1000, help="digest: projects watched (1000)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", help="comma-separated: " + ",".join(SCENARIOS))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.scenarios = [s.strip() for s in (args.only or ",".join(SCENARIOS)).split(",") if s]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}; known {', '.join(SCENARIOS)}")
    if min(args.watchers, args.watches, args.projects, args.watches_per_user) < 1:
        parser.error("--watchers, --watches, --projects and --watches-per-user must be >= 1")
    if args.watches_per_user > args.projects:
        parser.error("--watches-per-user cannot exceed --projects")
    if args.rate <= 0 or args.duration <= 0:
        parser.error("--rate and --duration must be positive")
    if urlsplit(args.database_url).scheme.split("+", 1)[0] not in ("postgres", "postgresql"):
        parser.error("--database-url must name a PostgreSQL database")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    load_before = load_average()
    # The receiver is on loopback, which the address guard refuses: allowed for this run only.
    os.environ["FETCH_ALLOWED_NETWORKS"] = json.dumps(["127.0.0.1/32"])
    os.environ.pop("RELEASEMON_CONFIG", None)
    os.environ["LOG_LEVEL"] = "WARNING"
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    receiver = Receiver(secret).start()
    smtp = SmtpServer().start() if "digest" in args.scenarios else None
    if smtp is not None:
        os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp.port}"
    try:
        ensure_database(args.database_url)
        setup_django(args.database_url, migrate=True)
        from django.conf import settings

        rows: list[Row] = []
        if "fanout" in args.scenarios:
            rows += run_fanout(args, receiver)
        if "lag" in args.scenarios:
            rows += run_lag(args, receiver)
        if "digest" in args.scenarios:
            rows += run_digest(args, smtp)
    finally:
        receiver.stop()
        if smtp is not None:
            smtp.stop()
    print()
    print(
        f"notifications benchmark: {os.cpu_count()} cores, "
        f"{settings.NOTIFY_DELIVERY_THREADS} delivery threads, "
        f"webhook timeout {settings.NOTIFY_WEBHOOK_TIMEOUT} s"
    )
    print(f"load average before: {load_before} (1/5/15 min)")
    print(f"load average after:  {load_average()}")
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
