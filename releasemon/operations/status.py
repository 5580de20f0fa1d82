"""The status page for admins (``/admin/status/``, linked from the admin index): what the
checks, the upstreams, the backlog and the outbox did over the last week, as charts an
operator would rather look at than read (:mod:`~releasemon.operations.charts`), with the
figures in tables beside them, and what ``/readyz`` says now."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from projects.selectors import status
from releasemon.operations import charts, readiness
from releasemon.operations.charts import Series

DAYS = 7


def status_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    since = (now - dt.timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
    hours = status.hours_between(since, now)
    checks = status.checks_per_hour(since)

    def per_hour(outcome: str) -> list[float | None]:
        return [checks.get(hour, {}).get(outcome, 0) for hour in hours]

    backlog = status.backlog_per_hour(since)
    lag = status.outbox_lag_per_hour(since)
    totals = {outcome: sum(v or 0 for v in per_hour(outcome)) for outcome in status.OUTCOMES}
    context = {
        **admin.site.each_context(request),
        "title": "Status",
        "days": DAYS,
        "now": now,
        "totals": totals,
        "report": readiness.readiness(now),
        "checks_chart": charts.stacked_bars(
            f"Checks per hour by outcome, last {DAYS} days",
            hours,
            [
                Series("Succeeded", "ok", per_hour("success")),
                Series("Failed", "fail", per_hour("error")),
                Series("Rate-limited", "limited", per_hour("ratelimit")),
            ],
        ),
        "backlog_chart": charts.lines(
            "Projects due when a cycle started, and projects checked, per hour",
            hours,
            [
                Series(
                    "Due at a cycle's start", "due", [backlog.get(h, (None, 0))[0] for h in hours]
                ),
                Series("Checked", "checked", [backlog.get(h, (None, 0))[1] for h in hours]),
            ],
        ),
        "lag_chart": charts.lines(
            "Longest wait in the outbox before RabbitMQ took a message, by the hour it was written",
            hours,
            [Series("Longest wait", "lag", [lag[h][0] if h in lag else None for h in hours])],
            unit="s",
        ),
        "backends": status.backends_by_error_rate(since),
        "hosts": status.troubled_hosts(since),
    }
    return render(request, "admin/status.html", context)
