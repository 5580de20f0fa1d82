"""What the checks count for the operator: Prometheus metrics and one log line a check.

Every check goes through :func:`projects.check.check_project`, which calls
:func:`observe_check` with its outcome and duration; every answer an upstream gives (or does
not give) reaches :func:`observe_upstream_answer` through the HTTP client's ``on_answer``
hook (:mod:`projects.backend_settings` installs it). The metrics are the official client's
(``prometheus_client``): in a process started with ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn
workers, q2 workers: ``bin/serve`` and the systemd units set it), every process writes its
counts there and ``/metrics`` adds them up; without it, ``/metrics`` shows this process only.

The log line carries ``project_id`` and ``outcome`` (and the backend), which
``LOG_FORMAT=json`` writes as fields: errors and rate limits at INFO, the other checks at
DEBUG (one line a check would be 55 lines a second at release-monitoring.org's rate).

Each check is also tallied by hour, backend, upstream host and outcome (:class:`CheckTally`,
what the admins' status page draws). The tallies are added up in the process and written
with one upsert per key (:func:`flush_tallies`): when a scheduler batch is counted into its
run, after a check a person asked for, and at the latest every FLUSH_SECONDS; a process that
dies loses at most that much of the tallies, never a check.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter as Tally
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.db import DatabaseError, connection
from prometheus_client import Counter, Histogram

if TYPE_CHECKING:
    from projects.models import Project

logger = logging.getLogger("projects.checks")

CHECKS = Counter(
    "releasemon_checks",
    "Checks of projects, by outcome and backend.",
    ["outcome", "backend"],
)
CHECK_SECONDS = Histogram(
    "releasemon_check_duration_seconds",
    "How long a check took, fetching and recording, by backend.",
    ["backend"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120),
)
UPSTREAM_ANSWERS = Counter(
    "releasemon_upstream_answers",
    "Answers of upstreams to checks, by HTTP status class (none: no answer at all).",
    ["status_class"],
)


def status_class(status: int | None) -> str:
    """``2xx``, ``3xx``, ``4xx``, ``5xx``, or ``none`` for no answer."""
    if status is None or not 100 <= status <= 599:
        return "none"
    return f"{status // 100}xx"


def observe_upstream_answer(status: int | None) -> None:
    UPSTREAM_ANSWERS.labels(status_class(status)).inc()


#: Tallies are written at least this often, and when this many keys wait.
FLUSH_SECONDS = 10.0
FLUSH_KEYS = 500

TallyKey = tuple[dt.datetime, str, str, str]
_tally_lock = threading.Lock()
_counts: Tally[TallyKey] = Tally()
_seconds: dict[TallyKey, float] = {}
_last_flush = time.monotonic()


def upstream_host(project: Project) -> str:
    """The host a project's checks ask (its version URL's, else its homepage's)."""
    for url in (project.version_url, project.homepage):
        try:
            host = urlsplit(url or "").hostname
        except ValueError:
            host = None
        if host:
            return host[:255]
    return ""


def tally(key: TallyKey, seconds: float) -> None:
    with _tally_lock:
        _counts[key] += 1
        _seconds[key] = _seconds.get(key, 0.0) + seconds
        due = len(_counts) >= FLUSH_KEYS or time.monotonic() - _last_flush >= FLUSH_SECONDS
    if due:
        flush_tallies()


def flush_tallies() -> int:
    """Write the tallies this process added up (one upsert per key); the keys written."""
    global _counts, _seconds, _last_flush
    with _tally_lock:
        counts, seconds = _counts, _seconds
        _counts, _seconds = Tally(), {}
        _last_flush = time.monotonic()
    if not counts:
        return 0
    # Here, not at the top: projects/apps.py imports this module (through backend_settings)
    # before the models can be.
    from projects.models import CheckTally

    table = connection.ops.quote_name(CheckTally._meta.db_table)
    statement = (
        f"INSERT INTO {table} (hour, backend, host, outcome, count, seconds) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (hour, backend, host, outcome) "
        f"DO UPDATE SET count = {table}.count + excluded.count, "
        f"seconds = {table}.seconds + excluded.seconds"
    )
    # In key order: executemany sends the upserts as one pipeline, one implicit transaction,
    # so two checker processes writing the same keys in different orders deadlocked (seen
    # at 200,000 projects in bench/checks; that flush's tallies were lost).
    rows = [
        [connection.ops.adapt_datetimefield_value(key[0]), *key[1:], counts[key], seconds[key]]
        for key in sorted(counts)
    ]
    try:
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)
    except DatabaseError:
        # The status page loses a few counts; the checks themselves are recorded.
        logger.warning("Could not write %d check tallies", len(rows), exc_info=True)
        return 0
    return len(rows)


def observe_check(project: Project, outcome: str, seconds: float, new_versions: int = 0) -> None:
    """Count, tally and log one check (``outcome``: success, error, ratelimit, ...)."""
    project_id, backend = project.pk, project.backend
    hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    tally((hour, backend, upstream_host(project), outcome), seconds)
    CHECKS.labels(outcome, backend).inc()
    CHECK_SECONDS.labels(backend).observe(seconds)
    quiet = outcome == "success" and not new_versions
    logger.log(
        logging.DEBUG if quiet else logging.INFO,
        "Checked project %s (%s) in %.2f s: %s%s",
        project_id,
        backend,
        seconds,
        outcome,
        f", {new_versions} new version(s)" if new_versions else "",
        extra={"project_id": project_id, "outcome": outcome, "backend": backend},
    )
