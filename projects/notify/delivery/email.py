"""The e-mails: a release, a digest of releases, a test message, and the notice that a
webhook was switched off.

Each release, digest and test mail carries RFC 8058's one-click unsubscribe (``List-Unsubscribe``
with the channel's link, see :mod:`~projects.notify.delivery.unsubscribe`, and
``List-Unsubscribe-Post``). A mail's ``Message-ID`` is made from the event's message id and
the channel, so a mail sent twice (delivery is at least once) is one message for the reader.
Building a mail touches no database; :func:`send` is called from the workers' threads.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from projects.notify.delivery.unsubscribe import site_link, unsubscribe_url
from projects.notify.models import Channel

SUBJECT_PREFIX = "[releasemon] "
#: Versions named in a subject; more are counted ("and 3 more").
SUBJECT_VERSIONS = 3
#: Where people manage their channels (the site's notification settings).
SETTINGS_PATH = "/settings/notifications/"
#: Rendered digest sections kept per process (see :func:`digest_section`).
SECTIONS_KEPT = 4096


# -- what a release mail says ------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """One new version: its string, when the upstream published it, where to read about it."""

    version: str
    published: str = ""
    url: str = ""


@dataclass(frozen=True)
class ReleaseNews:
    """A release payload read for people: what the mail's templates show."""

    project_name: str
    project_url: str
    homepage: str
    releases: tuple[Release, ...]
    previous: str = ""
    packages: tuple[tuple[str, str], ...] = ()

    @property
    def versions(self) -> list[str]:
        return [release.version for release in self.releases]

    @property
    def subject(self) -> str:
        shown = self.versions[-SUBJECT_VERSIONS:]
        more = len(self.versions) - len(shown)
        names = ", ".join(shown) + (f" and {more} more" if more else "")
        return f"{SUBJECT_PREFIX}{self.project_name} {names} released"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _when(stamp: Any) -> str:
    """An ISO 8601 time from the payload as people read it: ``2024-05-01 12:00 UTC``."""
    try:
        moment = dt.datetime.fromisoformat(_text(stamp))
    except ValueError:
        return _text(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def read_release(payload: Mapping[str, Any]) -> ReleaseNews:
    """The people-facing content of a release payload, as the fan-out froze it::

    {"type": "release", "event_id", "project": {"id", "name", "homepage", "ecosystem", "url"},
     "versions": [oldest first], "latest", "previous", "published_at": {version: ISO time},
     "links": {"project", "release"}, "packages": [{"distro", "package_name"}]}

    The release link (the upstream's release or commit page) belongs to the latest version.
    """
    project = _mapping(payload.get("project"))
    links = _mapping(payload.get("links"))
    published = _mapping(payload.get("published_at"))
    project_url = _text(links.get("project") or project.get("url"))
    if not project_url and isinstance(project.get("id"), int):
        project_url = site_link(reverse("projects:project", args=[project["id"]]))
    versions = [_text(version) for version in payload.get("versions") or () if version]
    latest = _text(payload.get("latest")) or (versions[-1] if versions else "")
    releases = tuple(
        Release(
            version=version,
            published=_when(published[version]) if published.get(version) else "",
            url=_text(links.get("release")) if version == latest else "",
        )
        for version in versions
    )
    packages = tuple(
        (_text(package.get("distro")), _text(package.get("package_name")))
        for package in payload.get("packages") or ()
        if isinstance(package, Mapping)
    )
    return ReleaseNews(
        project_name=_text(project.get("name")) or "A project",
        project_url=project_url,
        homepage=_text(project.get("homepage")),
        releases=releases,
        previous=_text(payload.get("previous")),
        packages=packages,
    )


def _project_key(payload: Mapping[str, Any]) -> object:
    project = _mapping(payload.get("project"))
    return project.get("id") if project.get("id") is not None else _text(project.get("name"))


def merge_news(items: Sequence[ReleaseNews]) -> ReleaseNews:
    """Several releases of one project (oldest event first) read as one: every version once,
    in order, each with its own link; the previous version before the first of them, and the
    latest event's links and packages."""
    first, last = items[0], items[-1]
    releases: dict[str, Release] = {}
    for news in items:
        for release in news.releases:
            releases.setdefault(release.version, release)
    return ReleaseNews(
        project_name=last.project_name,
        project_url=last.project_url or first.project_url,
        homepage=last.homepage or first.homepage,
        releases=tuple(releases.values()),
        previous=first.previous,
        packages=last.packages,
    )


def read_digest(payloads: Sequence[Mapping[str, Any]]) -> list[ReleaseNews]:
    """Release payloads (oldest event first) grouped by project: one merged
    :class:`ReleaseNews` per project, by project name."""
    grouped: dict[object, list[ReleaseNews]] = {}
    for payload in payloads:
        grouped.setdefault(_project_key(payload), []).append(read_release(payload))
    merged = [merge_news(items) for items in grouped.values()]
    return sorted(merged, key=lambda news: news.project_name.casefold())


def digest_subject(label: str, projects: Sequence[ReleaseNews]) -> str:
    """``[releasemon] daily digest: widget 2.0.1, gadget 3.1 and 2 more projects``."""
    shown = projects[:SUBJECT_VERSIONS]
    more = len(projects) - len(shown)
    names = ", ".join(
        f"{news.project_name} {news.versions[-1]}" if news.versions else news.project_name
        for news in shown
    )
    if more:
        names += f" and {more} more project{'s' if more != 1 else ''}"
    return f"{SUBJECT_PREFIX}{label} digest: {names}"


# -- the messages ------------------------------------------------------------------------------


def _message_id(*parts: object) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "releasemon"
    return f"<notify.{'.'.join(str(part) for part in parts)}@{host}>"


def _mail(
    to: str,
    template: str,
    context: dict[str, Any],
    subject: str,
    headers: dict[str, str],
) -> EmailMultiAlternatives:
    text = render_to_string(f"notify/email/{template}.txt", context)
    html = render_to_string(f"notify/email/{template}.html", context)
    # Names and versions come from users and upstreams: a line break in a header would be
    # refused by Django (BadHeaderError) on every retry.
    subject = " ".join(subject.split())
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _list_headers(channel: Channel) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(channel)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def release_mail(
    channel: Channel, payload: Mapping[str, Any], message_id: str
) -> EmailMultiAlternatives:
    """The mail telling ``channel``'s owner about the release in ``payload``."""
    news = read_release(payload)
    context = {
        "news": news,
        "channel": channel,
        "unsubscribe_url": unsubscribe_url(channel),
        "settings_url": site_link(SETTINGS_PATH),
    }
    headers = {**_list_headers(channel), "Message-ID": _message_id(message_id, channel.pk)}
    return _mail(channel.target, "release", context, news.subject, headers)


@dataclass(frozen=True)
class DigestSection:
    """One project's part of a digest, rendered: its text and its HTML."""

    text: str
    html: SafeString


@functools.lru_cache(maxsize=SECTIONS_KEPT)
def digest_section(news: ReleaseNews) -> DigestSection:
    """The part of a digest that tells of ``news``, rendered once for everyone whose digest
    holds the same releases of a project (a popular project's release is in thousands of
    digests; rendering it is most of a digest's time)."""
    context = {"news": news}
    return DigestSection(
        text=render_to_string("notify/email/_digest_project.txt", context),
        # Escaped by the template (autoescape on), like the rest of the mail.
        html=mark_safe(render_to_string("notify/email/_digest_project.html", context)),  # noqa: S308
    )


def digest_mail(
    channel: Channel, payloads: Sequence[Mapping[str, Any]], digest_id: str
) -> EmailMultiAlternatives:
    """One mail telling ``channel``'s owner about every release in ``payloads`` (oldest event
    first), grouped by project. ``digest_id`` names this digest (the same on a retry)."""
    projects = read_digest(payloads)
    label = "weekly" if channel.schedule == Channel.Schedule.WEEKLY else "daily"
    context = {
        "projects": projects,
        "sections": [digest_section(news) for news in projects],
        "label": label,
        "channel": channel,
        "unsubscribe_url": unsubscribe_url(channel),
        "settings_url": site_link(SETTINGS_PATH),
    }
    headers = {**_list_headers(channel), "Message-ID": _message_id("digest", digest_id)}
    return _mail(channel.target, "digest", context, digest_subject(label, projects), headers)


def test_mail(channel: Channel, message_id: str) -> EmailMultiAlternatives:
    """A test message for ``channel`` (the test button)."""
    context = {
        "channel": channel,
        "unsubscribe_url": unsubscribe_url(channel),
        "settings_url": site_link(SETTINGS_PATH),
    }
    headers = {**_list_headers(channel), "Message-ID": _message_id(message_id, channel.pk)}
    subject = f"{SUBJECT_PREFIX}test message for your channel {channel.name}"
    return _mail(channel.target, "test", context, subject, headers)


def disabled_notice(channel: Channel, to: str, last_error: str) -> EmailMultiAlternatives:
    """The mail telling a webhook's or chat's owner it was switched off after days of
    failures."""
    context = {
        "channel": channel,
        "what": "chat channel" if channel.kind == Channel.Kind.CHAT else "webhook",
        "days": settings.NOTIFY_DISABLE_AFTER_DAYS,
        "last_error": last_error,
        "settings_url": site_link(SETTINGS_PATH),
    }
    subject = f"{SUBJECT_PREFIX}your {context['what']} {channel.name} was switched off"
    headers = {"Auto-Submitted": "auto-generated"}
    return _mail(to, "channel_disabled", context, subject, headers)
