"""Whether this instance can serve and its background work keeps up: the parts of ``/readyz``.

Each part is judged on its own and says why in one line, so a probe's log names what failed:

- **database**: reachable (``SELECT 1``) and every migration applied;
- **broker**: when ``AMQP_URL`` is set, a connection to RabbitMQ opens;
- **checks**: the project that has waited longest since it came due waits less than
  READY_CHECK_MAX_AGE (the scheduler, or every worker, has stopped when it does not); the age
  of the last finished cycle is reported beside it (a cycle with nothing due records no run,
  as in Anitya, so its age alone says nothing);
- **outbox**: the oldest message not yet relayed is younger than READY_OUTBOX_MAX_AGE (only
  judged with a broker: without ``AMQP_URL`` messages stay in the outbox by design);
- **deliveries**: the oldest notification due at once (not a digest waiting for its hour)
  has been due for less than READY_DELIVERY_MAX_AGE;
- **github**: what is left of the GitHub token pool's budgets (always ok: a spent budget
  only defers the GitHub projects).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Min
from django.utils import timezone

from messaging.models import OutboxMessage
from messaging.relay import BrokerError, Publisher, describe
from projects.models import CheckRun
from projects.notify.delivery import claims
from projects.scheduler import due_projects
from projects.selectors.github_budget import github_budget


@dataclass(frozen=True)
class Part:
    """One part of the readiness report."""

    ok: bool
    detail: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail, **self.values}


def _age(since: dt.datetime | None, now: dt.datetime) -> float | None:
    return None if since is None else max(0.0, round((now - since).total_seconds(), 1))


def _spell(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def database(now: dt.datetime) -> Part:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return Part(False, f"unreachable: {first_line or type(error).__name__}"[:300])
    if plan:
        return Part(
            False,
            f"{len(plan)} migration(s) not applied: run manage.py migrate",
            {"unapplied_migrations": len(plan)},
        )
    return Part(True, "reachable and migrated")


def broker(now: dt.datetime) -> Part:
    url = settings.AMQP_URL
    if not url:
        return Part(True, "no AMQP_URL: messages stay in the outbox", {"configured": False})
    publisher = Publisher(url)
    try:
        publisher.open()
    except BrokerError as error:
        return Part(False, f"unreachable: {error}"[:300], {"configured": True})
    except Exception as error:  # pika raises many kinds; each is one line here
        return Part(False, f"unreachable: {describe(error)}"[:300], {"configured": True})
    finally:
        publisher.close()
    return Part(True, "reachable", {"configured": True})


def checks(now: dt.datetime) -> Part:
    limit = float(settings.READY_CHECK_MAX_AGE)
    waiting = due_projects(now).aggregate(due=Count("pk"), first=Min("next_check"))
    due, oldest_due = waiting["due"], waiting["first"]
    last = (
        CheckRun.objects.filter(ended_at__isnull=False)
        .order_by("-ended_at")
        .values_list("ended_at", flat=True)
        .first()
    )
    values = {
        "projects_due": due,
        "oldest_due_seconds": _age(oldest_due, now),
        "last_cycle_finished_seconds_ago": _age(last, now),
        "max_age_seconds": limit,
    }
    waited = _age(oldest_due, now) or 0.0
    if waited > limit:
        return Part(
            False,
            f"stalled: a project has been due for {_spell(waited)} (allowed {_spell(limit)}); "
            "are the check workers running?",
            values,
        )
    return Part(True, f"{due} project(s) due, none waiting longer than {_spell(limit)}", values)


def outbox(now: dt.datetime) -> Part:
    pending = OutboxMessage.objects.pending().aggregate(backlog=Count("pk"), first=Min("created"))
    backlog, age = pending["backlog"], _age(pending["first"], now)
    values = {"backlog": backlog, "oldest_unsent_seconds": age}
    if not settings.AMQP_URL:
        return Part(True, f"{backlog} message(s) kept (no broker configured)", values)
    limit = float(settings.READY_OUTBOX_MAX_AGE)
    if age is not None and age > limit:
        return Part(
            False,
            f"behind: the oldest unsent message is {_spell(age)} old (allowed {_spell(limit)})",
            values,
        )
    return Part(True, f"{backlog} message(s) waiting", values)


def deliveries(now: dt.datetime) -> Part:
    due = claims.ready(now).aggregate(backlog=Count("pk"), first=Min("due_at"))
    backlog, age = due["backlog"], _age(due["first"], now)
    limit = float(settings.READY_DELIVERY_MAX_AGE)
    values = {"backlog": backlog, "oldest_due_seconds": age}
    if age is not None and age > limit:
        return Part(
            False,
            f"behind: a notification has been due for {_spell(age)} (allowed {_spell(limit)})",
            values,
        )
    return Part(True, f"{backlog} notification(s) due", values)


def github(now: dt.datetime) -> Part:
    """The GitHub token pool's budget: information, never a failure (a spent budget defers
    the GitHub projects until its reset; docs/operations.md, "GitHub tokens")."""
    budget = github_budget(now=now)
    if budget is None:
        return Part(True, "no GitHub token configured", {"configured": False})
    return Part(True, budget.describe(), budget.as_json())


PARTS: dict[str, Callable[[dt.datetime], Part]] = {
    "database": database,
    "broker": broker,
    "checks": checks,
    "outbox": outbox,
    "deliveries": deliveries,
    "github": github,
}


@dataclass(frozen=True)
class Report:
    parts: dict[str, Part]

    @property
    def failing(self) -> list[str]:
        return [name for name, part in self.parts.items() if not part.ok]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "failing" if self.failing else "ok",
            "failing": self.failing,
            "parts": {name: part.as_json() for name, part in self.parts.items()},
        }


def readiness(now: dt.datetime | None = None) -> Report:
    """Judge every part; without a database the parts that read it are not asked."""
    now = now or timezone.now()
    parts: dict[str, Part] = {"database": database(now)}
    parts["broker"] = broker(now)
    reachable = parts["database"].ok or parts["database"].values.get("unapplied_migrations")
    for name in ("checks", "outbox", "deliveries", "github"):
        if not reachable:
            parts[name] = Part(False, "not judged: the database is unreachable")
            continue
        try:
            parts[name] = PARTS[name](now)
        except DatabaseError as error:
            parts[name] = Part(False, f"could not be read: {type(error).__name__}")
    return Report(parts)
