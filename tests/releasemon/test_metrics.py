"""``/metrics`` as Prometheus scrapes it: valid text format (read back with the client's own
parser), counters that move with a real check against an upstream on 127.0.0.1, request
latency by route, the database's state, the sum over several processes, and who may read it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from projects import check
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

REPOSITORY = Path(__file__).resolve().parents[2]


def scrape(client, **headers) -> dict[str, dict[tuple, float]]:
    """name -> {labels as sorted tuples: value}, from a real scrape."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


def test_the_counters_move_with_real_checks(client, upstream):
    before = scrape(client)
    good = ProjectFactory(name="widget", version_url=f"{upstream}/downloads/")
    bad = ProjectFactory(name="gadget", version_url=f"{upstream}/gone/")

    assert check.check_project(good).outcome is check.Outcome.SUCCESS
    assert check.check_project(bad).outcome is check.Outcome.ERROR

    after = scrape(client)
    for outcome in ("success", "error"):
        moved = value(after, "releasemon_checks_total", outcome=outcome, backend="custom") - value(
            before, "releasemon_checks_total", outcome=outcome, backend="custom"
        )
        assert moved == 1, outcome
    for status_class in ("2xx", "4xx"):
        moved = value(
            after, "releasemon_upstream_answers_total", status_class=status_class
        ) - value(before, "releasemon_upstream_answers_total", status_class=status_class)
        assert moved >= 1, status_class
    durations = value(after, "releasemon_check_duration_seconds_count", backend="custom") - value(
        before, "releasemon_check_duration_seconds_count", backend="custom"
    )
    assert durations == 2


def test_request_latency_is_labelled_by_route_not_path(client):
    project = ProjectFactory()
    assert client.get(f"/project/{project.pk}/").status_code == 200
    samples = scrape(client)
    routes = {
        dict(labels).get("route")
        for labels in samples["releasemon_http_request_duration_seconds_count"]
    }
    assert "project/<int:project_id>/" in routes
    assert f"project/{project.pk}/" not in routes


def test_the_databases_state_is_read_at_each_scrape(client):
    now = timezone.now()
    ProjectFactory(next_check=now - dt.timedelta(hours=3))
    ProjectFactory(next_check=now - dt.timedelta(seconds=30))
    ProjectFactory(next_check=now + dt.timedelta(hours=1))

    samples = scrape(client)
    assert value(samples, "releasemon_projects_due") == 2
    assert value(samples, "releasemon_projects_overdue") == 1
    assert value(samples, "releasemon_outbox_backlog") >= 0
    assert "releasemon_q2_queue_length" in samples


def test_only_monitoring_networks_or_the_token_may_read_it(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    outside = {"REMOTE_ADDR": "203.0.113.9"}

    refused = client.get("/metrics", **outside)
    assert refused.status_code == 403 and "metrics token" in refused.json()["error"]
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 403
    scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", **outside)
    scrape(client)  # from 127.0.0.1

    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **outside).status_code == 403


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"HTTP_FORWARDED": "for=203.0.113.9;proto=https"},
        {"HTTP_X_REAL_IP": "203.0.113.9"},
    ],
)
def test_a_proxy_forwarding_it_by_mistake_does_not_open_it(client, settings, header):
    """Behind a TLS proxy on the same machine every request comes from 127.0.0.1: one that
    a proxy forwarded needs the token."""
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics", **header).status_code == 403
    scrape(client, HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", **header)


def test_several_processes_are_added_up(tmp_path):
    """Two processes count checks into one PROMETHEUS_MULTIPROC_DIR; a third, answering the
    scrape, sees their sum (what gunicorn's and q2's workers do)."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "releasemon.settings",
        "SECRET_KEY": "metrics-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "PYTHONPATH": str(REPOSITORY),
    }
    count = textwrap.dedent(
        """
        import django
        django.setup()
        from projects import telemetry
        from projects.models import Project
        project = Project(pk=1, backend="github", version_url="https://github.com/o/r")
        for _ in range(3):
            telemetry.observe_check(project, "success", 0.2)
        """
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True, cwd=REPOSITORY)
    read = textwrap.dedent(
        """
        import django
        django.setup()
        from prometheus_client import generate_latest
        from releasemon.operations.metrics import registry
        print(generate_latest(registry()).decode())
        """
    )
    text = subprocess.run(
        [sys.executable, "-c", read], env=env, check=True, cwd=REPOSITORY, capture_output=True
    ).stdout.decode()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    key = ("releasemon_checks_total", (("backend", "github"), ("outcome", "success")))
    assert samples[key] == 6
