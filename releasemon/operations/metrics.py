"""``/metrics`` in Prometheus' text format, through the official client library.

What is counted where it happens (``prometheus_client`` counters and histograms):

- checks by outcome and backend, check duration, upstream answers by status class
  (:mod:`projects.telemetry`); messages relayed to RabbitMQ (:mod:`messaging.relay`);
- API and page latency by route (:class:`RequestMetrics`, a middleware: the route is the URL
  pattern, ``project/<int:project_id>/``, never the path, so the labels stay few).

What is read from the database when ``/metrics`` is scraped (:class:`StateCollector`): projects
due and overdue, active rate-limit blocks, the outbox backlog and its oldest unsent message,
notifications due, the q2 queue's length, the age of the last finished check cycle.

Processes: gunicorn's workers and q2's workers each count their own. With
``PROMETHEUS_MULTIPROC_DIR`` set in their environment before they start (``bin/serve`` and the
systemd units do; the folder is emptied at each start), each writes its counts there and a
scrape adds up every process's; without it a scrape shows the counts of the process that
answered it.

Reachable only from METRICS_ALLOWED_NETWORKS (the socket's address; a request a proxy forwarded,
with its X-Forwarded-For, is refused) or with ``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from backends.addresses import parse_networks
from projects.models import RateLimitBlock
from projects.scheduler import due_projects
from releasemon.operations import readiness

REQUEST_SECONDS = Histogram(
    "releasemon_http_request_duration_seconds",
    "Time to answer a request, by route (URL pattern), method and status class.",
    ["route", "method", "status_class"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
#: Methods kept as labels; any other is counted as "other" (a label per made-up verb would
#: let a client grow the metrics without bound).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    """Middleware: time every request, labelled by its route, method and status class."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name) if match is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(
            route or "unmatched", method, f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


class StateCollector(Collector):
    """Gauges read from the database at each scrape (cheap: indexed counts and minimums)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        try:
            checks = readiness.checks(now).values
            outbox = readiness.outbox(now).values
            deliveries = readiness.deliveries(now).values
            max_age = dt.timedelta(seconds=settings.READY_CHECK_MAX_AGE)
            overdue = due_projects(now - max_age).count()
            blocks = RateLimitBlock.objects.filter(reset_at__gt=now).count()
        except DatabaseError:
            return
        yield _gauge(
            "releasemon_projects_due", "Projects due for a check now.", checks["projects_due"]
        )
        yield _gauge(
            "releasemon_projects_overdue",
            "Projects due for longer than READY_CHECK_MAX_AGE.",
            overdue,
        )
        yield _gauge(
            "releasemon_last_check_cycle_age_seconds",
            "Seconds since the last check cycle finished (absent: none yet).",
            checks["last_cycle_finished_seconds_ago"],
        )
        yield _gauge("releasemon_rate_limit_blocks", "Upstreams that asked us to wait.", blocks)
        yield _gauge("releasemon_outbox_backlog", "Messages not yet relayed.", outbox["backlog"])
        yield _gauge(
            "releasemon_outbox_oldest_unsent_seconds",
            "Age of the oldest message not yet relayed (absent: none).",
            outbox["oldest_unsent_seconds"],
        )
        yield _gauge(
            "releasemon_deliveries_due", "Notifications due to be sent now.", deliveries["backlog"]
        )
        yield _gauge(
            "releasemon_deliveries_oldest_due_seconds",
            "How long the oldest due notification has waited (absent: none).",
            deliveries["oldest_due_seconds"],
        )
        queued = _queue_length()
        if queued is not None:
            yield _gauge("releasemon_q2_queue_length", "Tasks waiting in the q2 queue.", queued)


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], float(value))
    return family


def _queue_length() -> int | None:
    from django_q.brokers import get_broker

    try:
        return int(get_broker().queue_size())
    except Exception:  # a broker that is down has no length; /readyz says why
        return None


def registry() -> CollectorRegistry:
    """Every process's counts (multiprocess mode) or this one's, and the database's state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        combined = CollectorRegistry()
        # prometheus-client's MultiProcessCollector.__init__ has no annotations.
        multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    else:
        combined = CollectorRegistry()
        combined.register(_ThisProcess())
    combined.register(StateCollector())
    return combined


class _ThisProcess(Collector):
    """The default registry's metrics (this process), inside a registry of our own."""

    # Collector.collect is typed as yielding Metric; REGISTRY.collect() yields the same objects
    # under a looser type.
    def collect(self) -> Iterator[object]:  # type: ignore[override]
        yield from REGISTRY.collect()


#: Headers a proxy adds: a request bearing one came through a proxy, whose own address
#: (often 127.0.0.1) says nothing about the client's.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def allowed(request: HttpRequest) -> bool:
    """From METRICS_ALLOWED_NETWORKS, or with the METRICS_TOKEN as a bearer token. A request
    that came through a proxy needs the token: the socket's address is the proxy's, and a
    proxy that forwards ``/metrics`` by mistake must not open it to everyone."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in parse_networks(settings.METRICS_ALLOWED_NETWORKS))


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return JsonResponse(
            {"error": "Metrics are served to the monitoring networks or with the metrics token."},
            status=403,
        )
    # The text format, or OpenMetrics for a scraper that asks for it (Accept).
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(registry()), content_type=content_type)
