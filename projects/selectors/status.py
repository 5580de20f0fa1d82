"""What the admins' status page draws, over the last days: checks per hour by outcome, error
rates by backend, the hosts that fail or rate-limit most, the backlog the cycles started with
against what they checked, and how long messages waited in the outbox.

Every figure comes from a few aggregate queries: the hourly check tallies (``CheckTally``, a
few thousand rows a day), the runs, and the outbox's own timestamps, grouped by hour in the
database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import TruncHour

from messaging.models import OutboxMessage
from projects.models import CheckRun, CheckTally

#: The outcomes the page tells apart, in drawing order (bottom to top).
OUTCOMES = ("success", "error", "ratelimit")
FAILURES = ("error", "deleted")

#: How long a process shows the same latest run in every page's footer: a query per page cost
#: a tenth of rendering a search, and a run's counts are at most this late (a page kept for
#: anonymous visitors is up to 30 s old already).
LATEST_RUN_TTL = 10.0
#: (monotonic expiry, run) of :func:`latest_check_run`.
_latest_run: tuple[float, CheckRun | None] | None = None


def latest_check_run() -> CheckRun | None:
    """The newest check run (the footer's), read at most every :data:`LATEST_RUN_TTL` seconds
    per process; always read inside a transaction, which may hold a run of its own."""
    global _latest_run
    if connection.in_atomic_block:
        return CheckRun.objects.order_by("-started_at").first()
    now = time.monotonic()
    remembered = _latest_run
    if remembered is not None and remembered[0] > now:
        return remembered[1]
    run = CheckRun.objects.order_by("-started_at").first()
    _latest_run = (now + LATEST_RUN_TTL, run)
    return run


def forget_latest_check_run(**_signal: object) -> None:
    """Read the latest run again on the next page (tests; and, as the receiver of a run's
    ``post_save`` and ``post_delete``, a run this process starts or deletes)."""
    global _latest_run
    _latest_run = None


def hours_between(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every whole hour from ``start``'s to ``end``'s, both included."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour <= end:
        hours.append(hour)
        hour += dt.timedelta(hours=1)
    return hours


def _outcome_group(outcome: str) -> str:
    return "error" if outcome in FAILURES else outcome if outcome in OUTCOMES else "error"


def checks_per_hour(since: dt.datetime) -> dict[dt.datetime, dict[str, int]]:
    """hour -> outcome -> checks (deleted projects count as errors, as in the runs)."""
    per_hour: dict[dt.datetime, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    rows = (
        CheckTally.objects.filter(hour__gte=since)
        .values("hour", "outcome")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in rows:
        per_hour[row["hour"]][_outcome_group(row["outcome"])] += row["total"]
    return dict(per_hour)


@dataclass(frozen=True)
class Share:
    """Checks of one backend or host: how many, and how many failed or were rate-limited."""

    name: str
    total: int
    errors: int
    ratelimits: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.total if self.total else 0.0

    @property
    def trouble(self) -> int:
        return self.errors + self.ratelimits


def _shares(since: dt.datetime, field: str) -> list[Share]:
    rows = (
        CheckTally.objects.filter(hour__gte=since)
        .values(field)
        .annotate(
            total=Sum("count"),
            errors=Sum("count", filter=Q(outcome__in=[*FAILURES, "error"])),
            ratelimits=Sum("count", filter=Q(outcome="ratelimit")),
        )
        .order_by()
    )
    return [
        Share(row[field] or "(none)", row["total"], row["errors"] or 0, row["ratelimits"] or 0)
        for row in rows
    ]


def backends_by_error_rate(since: dt.datetime) -> list[Share]:
    """Every backend checked since ``since``, the highest error rate first."""
    return sorted(_shares(since, "backend"), key=lambda s: (-s.error_rate, -s.total, s.name))


def troubled_hosts(since: dt.datetime, limit: int = 10) -> list[Share]:
    """The upstream hosts with the most failed or rate-limited checks."""
    hosts = [share for share in _shares(since, "host") if share.trouble]
    return sorted(hosts, key=lambda s: (-s.trouble, -s.total, s.name))[:limit]


def backlog_per_hour(since: dt.datetime) -> dict[dt.datetime, tuple[int | None, int]]:
    """hour -> (the largest backlog a cycle started with in it, or None; projects checked)."""
    due = {
        row["started"]: row["due"]
        for row in CheckRun.objects.filter(started_at__gte=since, due_count__isnull=False)
        .annotate(started=TruncHour("started_at"))
        .values("started")
        .annotate(due=Max("due_count"))
        .order_by()
    }
    checked = {
        row["hour"]: row["total"]
        for row in CheckTally.objects.filter(hour__gte=since)
        .values("hour")
        .annotate(total=Sum("count"))
        .order_by()
    }
    return {hour: (due.get(hour), checked.get(hour, 0)) for hour in {*due, *checked}}


def outbox_lag_per_hour(since: dt.datetime) -> dict[dt.datetime, tuple[float, int]]:
    """hour the messages were written -> (the longest wait before RabbitMQ took one of them,
    in seconds; how many were written). Messages not sent yet are not in the wait (the
    page shows the oldest of those on its own)."""
    waited = ExpressionWrapper(F("sent_at") - F("created"), output_field=DurationField())
    rows = (
        OutboxMessage.objects.filter(created__gte=since)
        .annotate(hour=TruncHour("created"))
        .values("hour")
        .annotate(longest=Max(waited), written=Count("id"))
        .order_by()
    )
    lag: dict[dt.datetime, tuple[float, int]] = {}
    for row in rows:
        longest: dt.timedelta | None = row["longest"]
        lag[row["hour"]] = ((longest or dt.timedelta(0)).total_seconds(), row["written"])
    return lag
