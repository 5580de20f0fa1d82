"""Every write on watches, channels and the private watchlist feed: the site, the API and
the admin call these (the feed's versions are read by
:func:`projects.notify.selectors.watchlist_feed_versions`).

Like :mod:`projects.services`, each validates its input and raises
:class:`~projects.services.InvalidInput` (field -> message) before writing anything. User
patterns go through the project regexes' safety rules; webhook URLs are checked for their
shape here and pass the upstream address guard on every delivery.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re
import secrets
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User, hash_token
from backends import config as backends_config
from backends.addresses import ip_literal
from backends.http import is_refused_address
from backends.regexes import InvalidRegex, validate_user_regex
from projects.models import Distro, Project
from projects.notify import chat_urls
from projects.notify.models import (
    MAX_HOLD_HOURS,
    PATTERN_MAX_LENGTH,
    STREAM_NAME_MAX_LENGTH,
    ChangeLevel,
    Channel,
    Watch,
    WatchlistFeed,
)
from projects.selectors.streams import project_streams
from projects.services import InvalidInput

#: Standard Webhooks secrets: ``whsec_`` and base64 of 24 to 64 random bytes.
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
URL_MAX_LENGTH = 2000
NAME_MAX_LENGTH = 100
#: The longest IANA time zone name is 32 characters; zoneinfo recurses on longer junk.
TIME_ZONE_MAX_LENGTH = 64


@dataclass(frozen=True)
class WatchRules:
    """What a watch is told about (the defaults: every stable version, at once)."""

    stable_only: bool = True
    min_change: str = ChangeLevel.ANY
    include_pattern: str = ""
    exclude_pattern: str = ""
    hold_hours: int = 0
    #: A release stream's name: only its versions (a project watch only).
    stream: str = ""


def clean_rules(rules: WatchRules, *, of_distro: bool = False) -> WatchRules:
    """``rules`` checked; :class:`InvalidInput` names every wrong field. ``of_distro``: the
    rules of a distribution watch, which follows no stream (stream names are a project's).

    A stream name need not be one of the project's streams now: a watch may wait for a line
    that does not exist yet (the site and the API say so when it does not,
    :func:`unknown_stream`)."""
    errors: dict[str, str] = {}
    stream = rules.stream.strip() if isinstance(rules.stream, str) else ""
    if stream and of_distro:
        errors["stream"] = "Only a watch of one project can follow a release stream."
    elif len(stream) > STREAM_NAME_MAX_LENGTH:
        errors["stream"] = f"At most {STREAM_NAME_MAX_LENGTH} characters."
    elif not stream.isprintable():
        errors["stream"] = "Use printable characters only."
    if rules.min_change not in ChangeLevel.values:
        errors["min_change"] = f"Choose one of: {', '.join(ChangeLevel.values)}."
    for field in ("include_pattern", "exclude_pattern"):
        pattern = getattr(rules, field).strip()
        if len(pattern) > PATTERN_MAX_LENGTH:
            errors[field] = f"At most {PATTERN_MAX_LENGTH} characters."
            continue
        try:
            validate_user_regex(pattern)
        except InvalidRegex as error:
            errors[field] = str(error)
    if not 0 <= rules.hold_hours <= MAX_HOLD_HOURS:
        errors["hold_hours"] = f"Between 0 and {MAX_HOLD_HOURS} hours."
    if errors:
        raise InvalidInput(errors)
    return WatchRules(
        stable_only=bool(rules.stable_only),
        min_change=rules.min_change,
        include_pattern=rules.include_pattern.strip(),
        exclude_pattern=rules.exclude_pattern.strip(),
        hold_hours=rules.hold_hours,
        stream=stream,
    )


def unknown_stream(watch: Watch) -> str | None:
    """What to tell the person when ``watch`` follows a stream its project has not now (it
    hears nothing until a stream of that name holds a new version); None otherwise."""
    if not watch.stream or watch.project is None:
        return None
    names = {stream.name.lower() for stream in project_streams(watch.project)}
    if watch.stream.lower() in names:
        return None
    return (
        f"{watch.project.name} has no release stream named {watch.stream!r} now "
        f"(streams: {', '.join(sorted(names)) or 'none'}); the watch hears nothing until one "
        "holds a new version."
    )


def _apply(watch: Watch, rules: WatchRules) -> None:
    for field, value in dataclasses.asdict(rules).items():
        setattr(watch, field, value)


def _watch(user: User, rules: WatchRules | None, **target: Project | Distro) -> Watch:
    """``user``'s watch of ``target`` (a project or a distro), made with ``rules`` (the
    defaults when None), or the existing one, given ``rules`` when they are not None."""
    cleaned = clean_rules(rules or WatchRules(), of_distro="distro" in target)
    watch, created = Watch.objects.select_for_update().get_or_create(
        user=user, **target, defaults=dataclasses.asdict(cleaned)
    )
    if not created and rules is not None:
        _apply(watch, cleaned)
        watch.save()
    return watch


@transaction.atomic
def watch_project(user: User, project: Project, rules: WatchRules | None = None) -> Watch:
    """Watch ``project`` (again: the existing watch, with ``rules`` when given)."""
    return _watch(user, rules, project=project)


@transaction.atomic
def watch_distro(user: User, distro: Distro, rules: WatchRules | None = None) -> Watch:
    """Watch every project mapped in ``distro``, now and later."""
    return _watch(user, rules, distro=distro)


def watch_set_rules(watch: Watch, rules: WatchRules) -> Watch:
    """Change what ``watch`` is told about (deliveries already written keep their rules)."""
    _apply(watch, clean_rules(rules, of_distro=watch.distro_id is not None))
    watch.save()
    return watch


def unwatch(watch: Watch) -> None:
    """Stop watching; deliveries not yet sent go with the watch."""
    watch.delete()


# -- channels ------------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks signing secret."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def clean_webhook_url(url: str) -> str:
    """``url`` if it can be a webhook target; :class:`InvalidInput` on ``target`` otherwise.

    Only its shape is checked here: where its host resolves is checked by the address guard on
    every delivery (a name can move), but a literal private address is refused at once.
    """
    url = url.strip()
    if not url or len(url) > URL_MAX_LENGTH or any(ord(c) < 33 for c in url):
        raise InvalidInput({"target": f"Enter an http(s) URL of at most {URL_MAX_LENGTH} chars."})
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port  # port: ValueError when not 0-65535
    except ValueError:
        raise InvalidInput({"target": "This is not a valid URL."}) from None
    if parts.scheme not in ("http", "https") or not host or port == 0:
        raise InvalidInput({"target": "Enter an http:// or https:// URL."})
    if parts.username or parts.password:
        raise InvalidInput({"target": "Put no user name or password in the URL."})
    address = ip_literal(host)
    allowed = backends_config.current().http.allowed_networks
    if address is not None and is_refused_address(address, allowed):
        raise InvalidInput({"target": "This address is not reachable from the internet."})
    return url


def clean_chat_url(url: str) -> str:
    """``url`` if a chat channel may send to it (:mod:`projects.notify.chat_urls`);
    :class:`InvalidInput` on ``target`` otherwise."""
    try:
        return chat_urls.clean_url(url, backends_config.current().http.allowed_networks)
    except chat_urls.ChatURLError as error:
        raise InvalidInput({"target": str(error)}) from None


def clean_email(address: str) -> str:
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidInput({"target": "Enter a valid e-mail address."}) from None
    return address


def clean_time_zone(name: str) -> str:
    name = name.strip()
    if not name or len(name) > TIME_ZONE_MAX_LENGTH:
        raise InvalidInput({"time_zone": "Choose a time zone such as Europe/Berlin or UTC."})
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput({"time_zone": f"Unknown time zone {name!r}."}) from None
    return name


@dataclass(frozen=True)
class NewChannel:
    """A channel just made, and its secret: shown this once, never again."""

    channel: Channel
    secret: str


def channel_create(
    user: User,
    *,
    kind: str,
    name: str,
    target: str,
    schedule: str = Channel.Schedule.IMMEDIATE,
    digest_hour: int = 8,
    time_zone: str = "UTC",
) -> NewChannel:
    """Add a channel; a webhook gets its signing secret (in the answer only)."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Give it a name of at most {NAME_MAX_LENGTH} characters."
    if kind not in Channel.Kind.values:
        errors["kind"] = f"Choose one of: {', '.join(Channel.Kind.values)}."
    if schedule not in Channel.Schedule.values:
        errors["schedule"] = f"Choose one of: {', '.join(Channel.Schedule.values)}."
    elif schedule != Channel.Schedule.IMMEDIATE and kind != Channel.Kind.EMAIL:
        errors["schedule"] = "Only e-mail channels send digests."
    if not 0 <= digest_hour <= 23:
        errors["digest_hour"] = "An hour from 0 to 23."
    if errors:
        raise InvalidInput(errors)
    masked_target = ""
    if kind == Channel.Kind.WEBHOOK:
        target, secret = clean_webhook_url(target), new_secret()
    elif kind == Channel.Kind.CHAT:
        target, secret = clean_chat_url(target), ""
        masked_target = chat_urls.masked(target)
    else:
        target, secret = clean_email(target), ""
    channel = Channel(
        user=user,
        kind=kind,
        name=name,
        target=target,
        masked_target=masked_target,
        secret=secret,
        schedule=schedule,
        digest_hour=digest_hour,
        time_zone=clean_time_zone(time_zone),
    )
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError:
        raise InvalidInput({"name": f"You already have a channel called {name!r}."}) from None
    return NewChannel(channel, secret)


def channel_rotate_secret(channel: Channel) -> str:
    """A new signing secret for a webhook (the old one stops at once); returned this once."""
    if channel.kind != Channel.Kind.WEBHOOK:
        raise InvalidInput({"kind": "Only webhooks have a signing secret."})
    channel.secret = new_secret()
    channel.save(update_fields=["secret"])
    return channel.secret


def channel_set_enabled(channel: Channel, enabled: bool, *, reason: str = "") -> bool:
    """Switch a channel on or off; True when it changed. Switching on forgets past failures."""
    if channel.enabled == enabled:
        return False
    channel.enabled = enabled
    channel.disabled_reason = "" if enabled else reason[:300]
    if enabled:
        channel.failing_since = None
    channel.save(update_fields=["enabled", "disabled_reason", "failing_since"])
    return True


def channel_delete(channel: Channel) -> None:
    """Remove a channel with its delivery log."""
    channel.delete()


# -- the private watchlist feed --------------------------------------------------------------

#: A feed secret: ``secrets.token_urlsafe`` of this many random bytes (43 URL-safe characters).
FEED_SECRET_BYTES = 32
#: The shape of every secret ever issued: anything else is not looked up at all.
FEED_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
#: ``last_used`` is written at most this often: a feed reader polling every minute costs no
#: write on most reads.
FEED_LAST_USED_STEP = dt.timedelta(minutes=5)


def watchlist_feed_new_secret(user: User) -> str:
    """Make ``user``'s feed URL, or replace it (the old URL stops at once); the secret is
    returned this once and only its hash is stored."""
    secret = secrets.token_urlsafe(FEED_SECRET_BYTES)
    WatchlistFeed.objects.update_or_create(
        user=user,
        defaults={"key_hash": hash_token(secret), "created": timezone.now(), "last_used": None},
    )
    return secret


def watchlist_feed_remove(user: User) -> bool:
    """Remove ``user``'s feed URL; True when there was one."""
    deleted, _ = WatchlistFeed.objects.filter(user=user).delete()
    return deleted > 0


def watchlist_feed_owner(secret: str) -> User | None:
    """The active user whose feed ``secret`` opens, noting that it was read; None for a
    secret never issued, replaced or removed, and for a banned owner alike.

    The secret is found by its hash (an index lookup), never compared byte by byte.
    """
    if not FEED_SECRET_SHAPE.fullmatch(secret):
        return None
    feed = (
        WatchlistFeed.objects.filter(key_hash=hash_token(secret), user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed is None:
        return None
    now = timezone.now()
    if feed.last_used is None or now - feed.last_used >= FEED_LAST_USED_STEP:
        WatchlistFeed.objects.filter(pk=feed.pk).update(last_used=now)
    return feed.user
