"""Fixtures for the messaging tests: sample rows for every topic and a real RabbitMQ queue."""

from __future__ import annotations

import socket
import time
import uuid
from dataclasses import dataclass, field

import pika
import pytest

from messaging import topics
from projects import messages
from tests.factories import (
    DistroFactory,
    FlagFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
)

RABBITMQ_HOST, RABBITMQ_PORT = "127.0.0.1", 5672
AMQP_URL = f"amqp://guest:guest@{RABBITMQ_HOST}:{RABBITMQ_PORT}/%2F"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def amqp_url() -> str:
    if not _reachable(RABBITMQ_HOST, RABBITMQ_PORT):
        pytest.skip(f"RabbitMQ is not reachable on {RABBITMQ_HOST}:{RABBITMQ_PORT}")
    return AMQP_URL


@dataclass
class Received:
    routing_key: str
    properties: pika.BasicProperties
    body: bytes
    exchange: str


@dataclass
class Bus:
    """An exclusive queue bound to ``#`` on amq.topic; keeps only this test's routing keys."""

    channel: object
    queue: str
    prefix: str
    seen: list[Received] = field(default_factory=list)

    def receive(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until ``count`` of this test's messages arrived; return all of them so far."""
        deadline = time.monotonic() + timeout
        while len(self.seen) < count and time.monotonic() < deadline:
            method, properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                time.sleep(0.02)
                continue
            if method.routing_key.startswith(self.prefix + "."):
                self.seen.append(Received(method.routing_key, properties, body, method.exchange))
        return list(self.seen)

    def quiet(self, wait: float = 0.5) -> list[Received]:
        """Everything of this test's that arrives within ``wait`` seconds."""
        return self.receive(len(self.seen) + 1, timeout=wait)


@pytest.fixture
def bus(amqp_url, settings):
    """Route this test's messages under a unique prefix to a fresh queue bound to ``#``."""
    prefix = f"test.{uuid.uuid4().hex[:12]}"
    settings.AMQP_URL = amqp_url
    settings.AMQP_EXCHANGE = "amq.topic"
    settings.AMQP_TOPIC_PREFIX = prefix
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue, "amq.topic", routing_key="#")
    try:
        yield Bus(channel=channel, queue=queue, prefix=prefix)
    finally:
        connection.close()


@dataclass
class Sample:
    """One row of each kind, wired the way a message about them needs."""

    project: object
    fedora: object
    package: object
    flag: object


@pytest.fixture
def sample(db) -> Sample:
    project = ProjectFactory(name="requests", homepage="https://pypi.org/project/requests")
    for version in ("2.31.0", "2.32.0rc1", "2.32.0"):
        ProjectVersionFactory(project=project, version=version)
    project.latest_version = "2.32.0"
    project.save()
    fedora = DistroFactory(name="Fedora")
    package = PackageFactory(project=project, distro=fedora, package_name="python-requests")
    PackageFactory(project=project, distro=DistroFactory(name="Debian"), package_name="requests")
    flag = FlagFactory(project=project, reason="Duplicate of python-requests")
    return Sample(project=project, fedora=fedora, package=package, flag=flag)


def every_topic(sample: Sample) -> list[topics.Message]:
    """One message per topic (15), built from the rows by :mod:`projects.messages`."""
    project, package, flag = sample.project, sample.package, sample.flag
    built = [
        messages.project_add(project, "alice"),
        messages.project_edit(
            project, "alice", {"homepage": ("http://old.example", "https://new")}
        ),
        messages.project_remove(project, "admin"),
        messages.project_flag(flag, "bob"),
        messages.flag_set(flag, "admin"),
        messages.map_new(package, "alice"),
        messages.map_update(package, "alice", "requests", ["package_name"]),
        messages.map_remove(package, "admin"),
        *messages.version_update(
            project,
            upstream_version="2.32.0",
            old_version="2.31.0",
            upstream_versions=["2.32.0rc1", "2.32.0"],
        ),
        messages.version_remove(project, "2.31.0", "admin"),
        messages.version_remove_v2(project, ["2.31.0"], "admin"),
        messages.distro_add(sample.fedora, "alice"),
        messages.distro_edit("Fedora", "Fedora Linux", "admin"),
        messages.distro_remove(sample.fedora, "admin"),
    ]
    assert sorted(m.topic for m in built) == sorted(topics.TOPICS)
    return built
