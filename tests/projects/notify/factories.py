"""Factories for the notification models, and a helper that records a release the way a
check does (new version rows, then the ``project.version.update`` messages)."""

from __future__ import annotations

import datetime as dt

import factory
from django.db import transaction
from django.utils import timezone

from backends.versions import sort_versions
from messaging.models import OutboxMessage
from messaging.outbox import emit_all
from messaging.topics import PROJECT_VERSION_UPDATE_V2
from projects import messages
from projects.models import Project, ProjectVersion
from projects.notify.models import Channel, Delivery, Watch
from tests.factories import DistroFactory, ProjectFactory, UserFactory


class WatchFactory(factory.django.DjangoModelFactory):
    """A watch of one project, with the default rules (every stable version, at once)."""

    class Meta:
        model = Watch

    user = factory.SubFactory(UserFactory)
    project = factory.SubFactory(ProjectFactory)
    distro = None


class DistroWatchFactory(WatchFactory):
    """A watch of every project mapped in a distribution."""

    project = None
    distro = factory.SubFactory(DistroFactory)


class ChannelFactory(factory.django.DjangoModelFactory):
    """An immediate e-mail channel (``webhook=True``: a webhook with a signing secret;
    ``chat=True``: a chat through Apprise, posting JSON)."""

    class Meta:
        model = Channel

    class Params:
        webhook = factory.Trait(
            kind=Channel.Kind.WEBHOOK,
            target=factory.Sequence(lambda n: f"https://hooks.example.org/{n}"),
            secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
        chat = factory.Trait(
            kind=Channel.Kind.CHAT,
            target=factory.Sequence(lambda n: f"jsons://chat.example.org/{n}"),
        )

    user = factory.SubFactory(UserFactory)
    kind = Channel.Kind.EMAIL
    name = factory.Sequence(lambda n: f"channel {n}")
    target = factory.LazyAttribute(lambda o: o.user.email)


class DeliveryFactory(factory.django.DjangoModelFactory):
    """A pending delivery of a made-up release to a watch's owner through one of their
    channels."""

    class Meta:
        model = Delivery

    watch = factory.SubFactory(WatchFactory)
    channel = factory.SubFactory(ChannelFactory, user=factory.SelfAttribute("..watch.user"))
    project = factory.LazyAttribute(lambda o: o.watch.project or ProjectFactory())
    event_id = factory.Sequence(lambda n: 1_000_000 + n)
    message_id = factory.Faker("uuid4", cast_to=None)
    payload = factory.LazyAttribute(
        lambda o: {
            "type": "release",
            "event_id": o.event_id,
            "project": {"id": o.project.pk, "name": o.project.name},
            "versions": ["1.0.0"],
            "latest": "1.0.0",
            "previous": None,
        }
    )
    state = Delivery.State.PENDING
    due_at = factory.LazyFunction(timezone.now)


def release(
    project: Project, *new_versions: str, published_at: dict[str, dt.datetime] | None = None
) -> OutboxMessage:
    """Store ``new_versions`` (raw strings) for ``project`` and emit the version messages as
    :func:`projects.check.record` does; the ``project.version.update.v2`` row is returned."""
    published_at = published_at or {}
    with transaction.atomic():
        old_version = project.latest_version
        for raw in new_versions:
            ProjectVersion.objects.create(
                project=project,
                version=raw,
                published_at=published_at.get(raw),
                commit_url=f"{project.homepage.rstrip('/')}/releases/tag/{raw}",
            )
        project.__dict__.pop("sorted_versions", None)
        ordered = project.visible_versions
        project.latest_version = ordered[0][1].parsed if ordered else None
        project.save(update_fields=["latest_version"])
        parsed = sort_versions(project.make_version(raw) for raw in new_versions)
        rows = emit_all(
            messages.version_update(
                project,
                upstream_version=project.latest_version,
                old_version=old_version,
                upstream_versions=[version.parsed for version in parsed],
            )
        )
    return next(row for row in rows if row.topic == PROJECT_VERSION_UPDATE_V2)
