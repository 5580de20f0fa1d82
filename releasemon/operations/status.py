"""The status page for admins (``/admin/status/``, linked from the admin index): what the
checks, the upstreams, the backlog and the outbox did over the last week, as charts an
operator would rather look at than read (:mod:`~releasemon.operations.charts` over the hours,
:mod:`~releasemon.operations.bars` by backend and host), with the figures of the bar charts in
tables under them, and what ``/readyz`` says now."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from projects.selectors import status
from releasemon.operations import charts, readiness
from releasemon.operations.bars import Bar, Part, bars
from releasemon.operations.charts import Series

DAYS = 7


def _backend_chart(backends: list[status.Share]) -> str:
    return bars(
        f"Share of checks that failed, by backend, last {DAYS} days",
        [Part("Failed", "fail")],
        [Bar(s.name, [s.error_rate], f"{s.error_rate:.1%} of {s.total:,}") for s in backends],
        unit="%",
    )


def _host_chart(hosts: list[status.Share]) -> str:
    def figures(share: status.Share) -> str:
        counts = [(share.errors, "failed"), (share.ratelimits, "rate-limited")]
        return ", ".join(f"{count:,} {what}" for count, what in counts if count)

    return bars(
        f"Checks that failed or were rate-limited, by upstream host, last {DAYS} days",
        [Part("Failed", "fail"), Part("Rate-limited", "limited")],
        [Bar(s.name, [s.errors, s.ratelimits], figures(s)) for s in hosts],
    )


def status_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    since = (now - dt.timedelta(days=DAYS)).replace(minute=0, second=0, microsecond=0)
    hours = status.hours_between(since, now)
    checks = status.checks_per_hour(since)

    def per_hour(outcome: str) -> list[float | None]:
        return [checks.get(hour, {}).get(outcome, 0) for hour in hours]

    backlog = status.backlog_per_hour(since)
    lag = status.outbox_lag_per_hour(since)
    backends = status.backends_by_error_rate(since)
    hosts = status.troubled_hosts(since)
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
        "backends": backends,
        "backends_chart": _backend_chart(backends),
        "hosts": hosts,
        "hosts_chart": _host_chart(hosts),
    }
    return render(request, "admin/status.html", context)
