"""The notification tasks: how a new version travels from a check to the delivery tasks
without waiting for the next minute's schedule."""

from __future__ import annotations

import pytest
from django.utils import timezone

from projects import scheduler
from projects import tasks as check_tasks
from projects.models import CheckRun
from projects.notify import tasks
from projects.notify.models import Delivery
from releasemon.schedules import SCHEDULES
from tests.factories import ProjectFactory
from tests.projects.notify.factories import ChannelFactory, WatchFactory, release

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    """Tasks queued on the broker, by dotted path, recorded instead of sent."""
    calls: list[str] = []
    record = lambda func, *args, **kwargs: calls.append(func)  # noqa: E731
    monkeypatch.setattr(tasks, "async_task", record)
    monkeypatch.setattr(check_tasks, "async_task", record)
    return calls


def test_a_check_that_found_new_versions_queues_the_fan_out(monkeypatch, queued):
    run = CheckRun.objects.create(pending_tasks=1)
    monkeypatch.setattr(
        scheduler, "drain", lambda *args, **kwargs: scheduler.Counts(success=1, new_versions=2)
    )
    check_tasks.check_due(run.pk, timezone.now().isoformat())
    assert queued == ["projects.notify.tasks.notify_fan_out"]


def test_a_check_without_new_versions_queues_nothing(monkeypatch, queued):
    run = CheckRun.objects.create(pending_tasks=1)
    monkeypatch.setattr(scheduler, "drain", lambda *args, **kwargs: scheduler.Counts(success=3))
    check_tasks.check_due(run.pk, timezone.now().isoformat())
    assert queued == []


def test_the_fan_out_queues_a_delivery_task_when_it_wrote_deliveries(queued):
    project = ProjectFactory()
    watch = WatchFactory(project=project)
    ChannelFactory(user=watch.user)
    release(project, "1.0")

    assert tasks.notify_fan_out()["written"] == 1
    assert queued == ["projects.notify.tasks.notify_deliver"]
    assert tasks.notify_fan_out()["written"] == 0
    assert queued == ["projects.notify.tasks.notify_deliver"]  # nothing new: nothing queued


def test_the_delivery_task_sends_what_is_due(queued, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    project = ProjectFactory()
    watch = WatchFactory(project=project)
    ChannelFactory(user=watch.user)
    release(project, "1.0")
    tasks.notify_fan_out()

    assert tasks.notify_deliver() == 1
    assert Delivery.objects.get().state == Delivery.State.SENT
    assert tasks.notify_deliver() == 0


def test_both_notification_tasks_run_every_minute():
    declared = {periodic.name: periodic for periodic in SCHEDULES}
    assert declared["notify-deliver"].func == "projects.notify.tasks.notify_deliver"
    assert declared["notify-deliver"].minutes == 1
