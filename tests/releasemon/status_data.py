"""A generated week of operations for the status page: check tallies every hour (more by
day than by night, a failing host, a rate-limited one, a hostile host name, one too long for a
line), cycles with their backlog, and outbox messages with their waits."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from messaging.models import OutboxMessage
from projects.models import CheckRun, CheckTally

HOSTILE_HOST = '<script>alert("host")</script>.example'
#: Too long for its line in the bar chart: cut with an ellipsis, kept whole in a title.
LONG_HOST = "mirror-of-the-release-archives.downloads.department-of-physics.university.example.edu"


def a_week_of_operations(seed: int = 7) -> dt.datetime:
    """Fill the tables; return the hour the week ends with."""
    rng = random.Random(seed)
    end = timezone.now().replace(minute=0, second=0, microsecond=0)
    tallies, runs, messages = [], [], []
    for back in range(7 * 24 + 1):  # the page shows 169 hours: the last 7 days and this hour
        hour = end - dt.timedelta(hours=back)
        busy = 1.0 if 8 <= hour.hour <= 20 else 0.4
        for backend, host, share in (
            ("github", "api.github.com", 0.45),
            ("pypi", "pypi.org", 0.35),
            ("custom", "downloads.example.org", 0.15),
            ("gitlab", HOSTILE_HOST, 0.05),
            ("custom", LONG_HOST, 0.02),
        ):
            total = int(8000 * busy * share * rng.uniform(0.8, 1.2))
            errors = int(total * (0.12 if host == "downloads.example.org" else 0.02))
            limited = int(total * 0.08) if backend == "github" and hour.hour % 6 == 0 else 0
            for outcome, count in (
                ("success", total - errors - limited),
                ("error", errors),
                ("ratelimit", limited),
            ):
                if count:
                    tallies.append(
                        CheckTally(
                            hour=hour,
                            backend=backend,
                            host=host,
                            outcome=outcome,
                            count=count,
                            seconds=count * 0.3,
                        )
                    )
        runs.append(
            CheckRun(
                started_at=hour + dt.timedelta(minutes=1),
                ended_at=hour + dt.timedelta(minutes=40),
                due_count=int(9000 * busy * rng.uniform(0.9, 1.1)),
                total_count=int(8000 * busy),
            )
        )
        for minute in (5, 35):
            created = hour + dt.timedelta(minutes=minute)
            wait = rng.uniform(0.5, 3) if back % 50 else 240.0
            messages.append(
                OutboxMessage(
                    topic="project.version.update.v2",
                    body={},
                    created=created,
                    sent_at=created + dt.timedelta(seconds=wait),
                )
            )
    CheckTally.objects.bulk_create(tallies)
    CheckRun.objects.bulk_create(runs)
    OutboxMessage.objects.bulk_create(messages)
    return end
