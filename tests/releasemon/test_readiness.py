"""``/healthz`` and ``/readyz`` as a load balancer and a monitoring system read them: 503 naming
the part when the database, the broker, the checks, the outbox or the deliveries stall, and
200 again when they recover."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.db import connection, connections
from django.utils import timezone

from messaging.models import OutboxMessage
from projects import scheduler
from releasemon.operations import readiness
from tests.factories import ProjectFactory
from tests.messaging.conftest import AMQP_URL, RABBITMQ_HOST, RABBITMQ_PORT
from tests.projects.conftest import pool  # noqa: F401 (fixture)
from tests.projects.notify.factories import DeliveryFactory

pytestmark = pytest.mark.django_db


def ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_a_healthy_instance_is_ready_and_says_what_it_looked_at(client):
    status, body = ready(client)
    assert status == 200 and body["status"] == "ok" and body["failing"] == []
    assert set(body["parts"]) == {
        "database",
        "broker",
        "checks",
        "outbox",
        "deliveries",
        "github",
    }
    assert body["parts"]["database"] == {"ok": True, "detail": "reachable and migrated"}
    assert body["parts"]["broker"]["configured"] is False


def test_an_unreachable_database_is_named_and_recovers(client, monkeypatch):
    # A real connection of the same engine to where nothing answers.
    unreachable = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        unreachable.update(HOST="127.0.0.1", PORT=str(closed_port()))
    else:
        unreachable["NAME"] = "/nonexistent/folder/releasemon.sqlite3"
    broken = connections["default"].__class__(unreachable, alias="unreachable")
    monkeypatch.setattr(readiness, "connection", broken)

    status, body = ready(client)
    assert status == 503 and "database" in body["failing"]
    assert body["parts"]["database"]["detail"].startswith("unreachable: ")
    assert "\n" not in body["parts"]["database"]["detail"]

    monkeypatch.undo()
    broken.close()
    assert ready(client)[0] == 200


def test_unapplied_migrations_make_it_not_ready(client, monkeypatch):
    class Behind:
        def __init__(self, connection):
            self.loader = type("Loader", (), {"graph": type("Graph", (), {"leaf_nodes": list})})

        def migration_plan(self, targets):
            return [("projects", "9999_future")]

    monkeypatch.setattr(readiness, "MigrationExecutor", Behind)
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["database"]
    assert body["parts"]["database"]["detail"] == (
        "1 migration(s) not applied: run manage.py migrate"
    )


def test_a_broker_that_is_down_is_named_and_recovers(client, settings):
    settings.AMQP_URL = f"amqp://guest:guest@127.0.0.1:{closed_port()}/%2F"
    status, body = ready(client)
    assert status == 503 and body["failing"] == ["broker"]
    assert body["parts"]["broker"]["detail"].startswith("unreachable: ")

    try:
        socket.create_connection((RABBITMQ_HOST, RABBITMQ_PORT), timeout=1).close()
    except OSError:
        pytest.skip(f"RabbitMQ is not reachable on {RABBITMQ_HOST}:{RABBITMQ_PORT}")
    settings.AMQP_URL = AMQP_URL
    status, body = ready(client)
    assert status == 200, body
    assert body["parts"]["broker"] == {"ok": True, "detail": "reachable", "configured": True}


@pytest.mark.django_db(transaction=True)
def test_stalled_checks_are_named_and_recover(client, settings, upstream, pool):  # noqa: F811
    settings.READY_CHECK_MAX_AGE = 900
    now = timezone.now()
    ProjectFactory(next_check=now - dt.timedelta(hours=2), version_url=f"{upstream}/a/")
    ProjectFactory(next_check=now - dt.timedelta(minutes=1), version_url=f"{upstream}/b/")

    status, body = ready(client)
    assert status == 503 and body["failing"] == ["checks"]
    checks = body["parts"]["checks"]
    assert checks["detail"].startswith("stalled: a project has been due for 2.0 h (allowed 15 min)")
    assert checks["projects_due"] == 2 and checks["oldest_due_seconds"] >= 7200

    # The workers are back: a cycle checks both (the upstream finds no version of either: a
    # failure is a check too), their next checks are in the future.
    assert scheduler.run_cycle().total_count == 2
    status, body = ready(client)
    assert status == 200, body
    assert body["parts"]["checks"]["projects_due"] == 0
    assert body["parts"]["checks"]["last_cycle_finished_seconds_ago"] < 60


def test_an_outbox_the_relay_does_not_empty_is_named_only_with_a_broker(client, settings):
    row = OutboxMessage.objects.create(topic="project.add", body={})
    OutboxMessage.objects.filter(pk=row.pk).update(
        created=timezone.now() - dt.timedelta(minutes=30)
    )
    # Without a broker the outbox keeps its messages by design.
    status, body = ready(client)
    assert status == 200 and body["parts"]["outbox"]["backlog"] == 1

    settings.AMQP_URL = AMQP_URL
    settings.READY_OUTBOX_MAX_AGE = 300
    body = readiness.readiness().as_json()
    assert "outbox" in body["failing"]
    assert body["parts"]["outbox"]["detail"] == (
        "behind: the oldest unsent message is 30 min old (allowed 5 min)"
    )
    OutboxMessage.objects.filter(pk=row.pk).update(sent_at=timezone.now())
    assert "outbox" not in readiness.readiness().as_json()["failing"]


def test_notifications_that_wait_too_long_are_named_and_recover(client, settings):
    settings.READY_DELIVERY_MAX_AGE = 900
    delivery = DeliveryFactory(due_at=timezone.now() - dt.timedelta(hours=1))

    status, body = ready(client)
    assert status == 503 and body["failing"] == ["deliveries"]
    assert body["parts"]["deliveries"]["backlog"] == 1

    delivery.state = "sent"
    delivery.save(update_fields=["state"])
    assert ready(client)[0] == 200
