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
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Histogram

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


def observe_check(
    project_id: int, backend: str, outcome: str, seconds: float, new_versions: int = 0
) -> None:
    """Count one check and log it (``outcome``: success, error, ratelimit, deleted, ...)."""
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
