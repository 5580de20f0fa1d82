"""manage.py relay_messages: --once, following, and its exit status on broker errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from messaging import outbox, topics
from messaging.management.commands import relay_messages
from messaging.models import OutboxMessage
from tests.messaging.conftest import closed_port

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("relay_messages", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_without_broker_it_says_so_and_succeeds(settings):
    settings.AMQP_URL = None
    outbox.emit(topics.distro_add("x", "alice"))
    assert "AMQP_URL is not set" in run("--once")
    assert "1 message(s) stay pending" in run("--once")


def test_once_fails_with_one_readable_line_when_the_broker_is_down(settings):
    settings.AMQP_URL = f"amqp://guest:guest@127.0.0.1:{closed_port()}/%2F"
    outbox.emit(topics.distro_add("x", "alice"))
    with pytest.raises(CommandError) as raised:
        run("--once")
    text = str(raised.value)
    assert "\n" not in text
    assert text.startswith(
        "broker error after 0 message(s): Could not connect to the message broker at 127.0.0.1"
    )
    assert "the connection was refused" in text and "Errno" not in text
    assert OutboxMessage.objects.pending().count() == 1


@pytest.mark.rabbitmq
def test_once_prints_what_it_sent(bus):
    rows = [outbox.emit(topics.distro_add(name, "alice")) for name in ("a", "b")]
    output = run("--once")
    for row in rows:
        assert f"sent #{row.pk} {bus.prefix}.anitya.distro.add (message id {row.message_id})" in (
            output
        )
    assert "2 message(s) sent." in output
    assert len(bus.receive(2)) == 2


@pytest.mark.rabbitmq
def test_follow_publishes_then_stops_cleanly_on_ctrl_c(bus, monkeypatch):
    outbox.emit(topics.distro_add("a", "alice"))

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(relay_messages.time, "sleep", interrupt)
    output = run("--interval", "0.1")
    assert "following the outbox" in output
    assert "stopped; 1 message(s) sent." in output
    assert len(bus.receive(1)) == 1


def test_bad_options(settings):
    settings.AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
    with pytest.raises(CommandError, match="must be positive"):
        run("--batch-size", "0")
