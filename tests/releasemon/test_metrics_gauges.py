"""The gauges of ``/metrics`` and the relay's counter move with what really happens: an
upstream answering 429 blocks its host, the relay hands the outbox to the real RabbitMQ on
127.0.0.1:5672, a release waits to be delivered to its watcher, a check cycle finishes. Each is
read back with the Prometheus client's own parser from a real scrape."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from messaging import outbox, relay
from messaging.models import OutboxMessage
from projects import messages, scheduler
from projects.models import CheckRun, RateLimitBlock
from projects.notify import delivery, fanout
from projects.notify.models import Delivery
from tests.factories import ProjectFactory
from tests.messaging.conftest import amqp_url, bus  # noqa: F401 (fixtures)
from tests.projects.conftest import pool  # noqa: F401 (fixture)
from tests.projects.notify.factories import ChannelFactory, WatchFactory, release
from tests.releasemon.test_metrics import scrape, value

transactional = pytest.mark.django_db(transaction=True)


def due_now(**fields):
    return ProjectFactory(next_check=timezone.now() - dt.timedelta(minutes=1), **fields)


@transactional
def test_an_upstream_answering_429_blocks_its_host_until_its_reset(client, upstream, pool):  # noqa: F811
    """Two projects on one upstream host: the first check's 429 blocks the host for both
    (one block), the gauge counts it, and it drops once the reset time has passed."""
    before = scrape(client)
    assert value(before, "releasemon_rate_limit_blocks") == 0

    due_now(name="widget", version_url=f"{upstream}/limited/widget/")
    due_now(name="gadget", version_url=f"{upstream}/limited/gadget/")
    run = scheduler.run_cycle()

    assert run.ratelimit_count == 2
    samples = scrape(client)
    assert value(samples, "releasemon_rate_limit_blocks") == 1  # 127.0.0.1, once
    limited = value(
        samples, "releasemon_checks_total", outcome="ratelimit", backend="custom"
    ) - value(before, "releasemon_checks_total", outcome="ratelimit", backend="custom")
    assert limited >= 1
    reset_at = RateLimitBlock.objects.get().reset_at  # when the upstream said to retry
    time.sleep(max(0.0, (reset_at - timezone.now()).total_seconds()) + 0.2)
    assert value(scrape(client), "releasemon_rate_limit_blocks") == 0


@pytest.mark.rabbitmq
@transactional
def test_the_outbox_backlog_and_the_relay_counter_move_with_a_real_relay(client, bus):  # noqa: F811
    with transaction.atomic():
        for name in ("alpha", "beta", "gamma"):
            outbox.emit(messages.project_add(ProjectFactory(name=name), "alice"))
    written = timezone.now() - dt.timedelta(seconds=90)
    OutboxMessage.objects.update(created=written)

    before = scrape(client)
    assert value(before, "releasemon_outbox_backlog") == 3
    assert 90 <= value(before, "releasemon_outbox_oldest_unsent_seconds") < 150

    result = relay.publish_pending()

    assert (result.sent, result.error) == (3, None)
    assert len(bus.receive(3)) == 3  # RabbitMQ really has them
    after = scrape(client)
    published = value(after, "releasemon_relay_messages_total", result="published") - value(
        before, "releasemon_relay_messages_total", result="published"
    )
    assert published == 3
    assert value(after, "releasemon_outbox_backlog") == 0
    assert "releasemon_outbox_oldest_unsent_seconds" not in after  # nothing waits


@pytest.mark.django_db
def test_a_release_waiting_for_its_watcher_is_a_delivery_due_until_it_is_sent(client):
    project = ProjectFactory(name="tool", homepage="https://tool.example.org/")
    watch = WatchFactory(project=project)
    ChannelFactory(user=watch.user)
    assert value(scrape(client), "releasemon_deliveries_due") == 0

    release(project, "1.0.0")
    assert fanout.fan_out() == 1
    Delivery.objects.update(due_at=timezone.now() - dt.timedelta(minutes=3))

    waiting = scrape(client)
    assert value(waiting, "releasemon_deliveries_due") == 1
    assert 180 <= value(waiting, "releasemon_deliveries_oldest_due_seconds") < 240

    assert delivery.deliver_due() == 1
    assert len(mail.outbox) == 1
    sent = scrape(client)
    assert value(sent, "releasemon_deliveries_due") == 0
    assert "releasemon_deliveries_oldest_due_seconds" not in sent


@transactional
def test_the_age_of_the_last_check_cycle_restarts_when_a_cycle_finishes(client, upstream, pool):  # noqa: F811
    assert "releasemon_last_check_cycle_age_seconds" not in scrape(client)  # none yet
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    CheckRun.objects.create(started_at=two_hours_ago, ended_at=two_hours_ago)
    assert 7200 <= value(scrape(client), "releasemon_last_check_cycle_age_seconds") < 7300

    due_now(name="widget", version_url=f"{upstream}/downloads/")
    run = scheduler.run_cycle()

    assert run.success_count == 1 and run.ended_at is not None
    assert value(scrape(client), "releasemon_last_check_cycle_age_seconds") < 60
