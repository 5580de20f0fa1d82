"""The outbox in the admin: counts, state and topic filters, the retry action, pretty bodies."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from messaging import outbox, topics
from messaging.models import OutboxMessage
from tests.factories import AdminFactory

pytestmark = pytest.mark.django_db

URL = "/admin/messaging/outboxmessage/"


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


@pytest.fixture
def rows():
    pending = outbox.emit(topics.distro_add("Pending", "alice"))
    failed = outbox.emit(topics.distro_remove("Failed", "alice"))
    sent = outbox.emit(topics.distro_add("Sent", "alice"))
    OutboxMessage.objects.filter(pk=failed.pk).update(
        last_error="refused", attempts=2, next_attempt_at=timezone.now() + datetime.timedelta(1)
    )
    OutboxMessage.objects.filter(pk=sent.pk).update(sent_at=timezone.now(), attempts=1)
    return {"pending": pending, "failed": failed, "sent": sent}


def test_changelist_shows_counts(admin_client, rows):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert response.context["outbox_counts"] == {"pending": 2, "failed": 1, "sent": 1}
    assert 'id="outbox-counts"' in response.text


@pytest.mark.parametrize(
    ("state", "expected"),
    [("pending", {"pending", "failed"}), ("failed", {"failed"}), ("sent", {"sent"})],
)
def test_state_filter(admin_client, rows, state, expected):
    response = admin_client.get(URL, {"state": state})
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {rows[name].pk for name in expected}


def test_topic_filter(admin_client, rows):
    response = admin_client.get(URL, {"topic": "distro.remove"})
    assert [obj.pk for obj in response.context["cl"].result_list] == [rows["failed"].pk]


def test_retry_now_action(admin_client, rows):
    response = admin_client.post(
        URL,
        {"action": "retry_now", "_selected_action": [row.pk for row in rows.values()]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 pending message(s) will be retried" in response.text
    failed = OutboxMessage.objects.get(pk=rows["failed"].pk)
    assert failed.next_attempt_at is None and failed.last_error == ""


def test_detail_pretty_prints_body_and_headers(admin_client, rows):
    response = admin_client.get(f"{URL}{rows['failed'].pk}/change/")
    assert response.status_code == 200
    assert "&quot;distro&quot;: {" in response.text  # indented JSON
    assert "fedora_messaging_schema" in response.text
    assert admin_client.get(f"{URL}add/").status_code == 403


def test_non_admins_are_kept_out(client, rows):
    assert client.get(URL).status_code == 302
