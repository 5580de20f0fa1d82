"""The periodic tasks, declared in code and synced into django-q2 idempotently at start-up.

Each app lists its entries here; ``sync_schedules`` (run by ``serve`` and by the
``sync_schedules`` command) creates missing ones, updates changed ones and removes entries this
module no longer declares, so several clusters starting at once converge on the same schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

SCHEDULE_PREFIX = "releasemon:"


@dataclass(frozen=True)
class Periodic:
    """A task run every ``minutes`` minutes."""

    name: str
    func: str
    minutes: int


SCHEDULES: tuple[Periodic, ...] = (
    Periodic("relay-messages", "messaging.tasks.relay_messages", minutes=1),
    Periodic("prune-messages", "messaging.tasks.prune_messages", minutes=60),
    # Does work only when projects are due (projects/scheduler/).
    Periodic("run-checks", "projects.tasks.run_checks", minutes=1),
    Periodic("check-feeds", "projects.tasks.check_feeds", minutes=5),
    # New versions into deliveries (projects/notify/fanout.py), then the held ones released.
    Periodic("notify-fan-out", "projects.notify.tasks.notify_fan_out", minutes=1),
    # What is due (new, or a retry whose wait is over); the fan-out also queues one at once.
    Periodic("notify-deliver", "projects.notify.tasks.notify_deliver", minutes=1),
    # Daily and weekly e-mail digests leave at most 5 min after their hour (one query if none).
    Periodic("notify-digests", "projects.notify.tasks.notify_digests", minutes=5),
)


def sync_schedules(schedules: tuple[Periodic, ...] = SCHEDULES) -> dict[str, int]:
    """Make django-q2's schedule table match ``schedules``; return what changed."""
    from django_q.models import Schedule

    changes = {"created": 0, "updated": 0, "deleted": 0}
    wanted = {SCHEDULE_PREFIX + periodic.name: periodic for periodic in schedules}
    with transaction.atomic():
        existing = {
            row.name: row
            for row in Schedule.objects.select_for_update().filter(name__startswith=SCHEDULE_PREFIX)
        }
        for name, periodic in wanted.items():
            row = existing.get(name)
            fields = {
                "func": periodic.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": periodic.minutes,
                "repeats": -1,
            }
            if row is None:
                Schedule.objects.create(name=name, **fields)
                changes["created"] += 1
            elif any(getattr(row, key) != value for key, value in fields.items()):
                for key, value in fields.items():
                    setattr(row, key, value)
                row.save()
                changes["updated"] += 1
        stale = [name for name in existing if name not in wanted]
        changes["deleted"] = Schedule.objects.filter(name__in=stale).delete()[0]
    return changes
