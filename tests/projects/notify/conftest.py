"""Fixtures the notification tests share."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from releasemon.config import email_settings
from tests.projects.notify.http_receiver import ChatEndpoint, Receiver, serve

SITE_URL = "https://releasemon.example"


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        #: The server side of each connection a message came through (one per connection).
        self.connections: list = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def connections_used(self) -> int:
        return len({id(server) for server in self.connections})

    def hang_up(self) -> None:
        """Close every connection from the server's side, as a server's idle timeout does."""
        assert self._loop is not None
        for server in self.connections:
            self._loop.call_soon_threadsafe(server.transport.close)
        time.sleep(0.2)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self._loop = asyncio.get_running_loop()
        if server not in self.connections:
            self.connections.append(server)
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback, and the settings that send to it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    mail = email_settings(
        {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "ADMIN_EMAIL": "releasemon@releasemon.example"}
    )
    settings.SITE_URL = SITE_URL
    try:
        with override_settings(**mail):
            yield inbox
    finally:
        controller.stop()


@pytest.fixture
def serving() -> Iterator[Callable[[Any], Any]]:
    """Serve receivers on 127.0.0.1 for this test (stopped after it); returns each one."""
    servers: list[ThreadingHTTPServer] = []

    def start(receiver: Any) -> Any:
        servers.append(serve(receiver))
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def start_receiver(serving) -> Callable[..., Receiver]:
    """Start webhook receivers on 127.0.0.1 (the guard still refuses them: see
    ``allow_loopback``)."""
    return lambda secret, fail_first=0: serving(Receiver(secret=secret, fail_first=fail_first))


@pytest.fixture
def endpoint(serving) -> Callable[..., ChatEndpoint]:
    """Start JSON endpoints on 127.0.0.1, reached by chat channels (Apprise's json://)."""
    return lambda status=200: serving(ChatEndpoint(status=status))


@pytest.fixture
def allow_loopback(settings):
    """Let deliveries reach 127.0.0.1, for this test only."""
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
