"""One chat message through Apprise, behind the address guard.

The message is plain text (Apprise escapes it for services that read HTML or Markdown, so a
project name cannot turn into a link). The plugin is called in this thread, and inside
:func:`backends.http.guarded_connections`, so every connection it opens is vetted and pinned
like a check's (:mod:`projects.notify.chat_urls` says which URLs may be used at all).
Apprise reports a failure by returning False and logging why; the warnings it logs in this
thread during the send become the delivery log's error. No database here: the workers call
:func:`send` from their threads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from apprise.common import NotifyFormat, NotifyType

from backends.config import current
from backends.errors import BackendError
from backends.http import guarded_connections
from projects.notify import chat_urls
from projects.notify.delivery.email import SETTINGS_PATH, ReleaseNews, read_release
from projects.notify.delivery.outcome import Outcome, elapsed_ms
from projects.notify.delivery.unsubscribe import site_link


class _ThreadWarnings(logging.Handler):
    """Apprise's warnings logged by one thread (other threads send other messages)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def release_text(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The title and body of a chat message about the release in ``payload``."""
    news = read_release(payload)
    return f"{news.project_name} {', '.join(news.versions)} released", _body(news)


def _body(news: ReleaseNews) -> str:
    lines = [f"{news.project_name} released {', '.join(news.versions)}."]
    if news.previous:
        lines.append(f"The previous version was {news.previous}.")
    for release in news.releases:
        when = f", published {release.published}" if release.published else ""
        link = f": {release.url}" if release.url else ""
        lines.append(f"- {release.version}{when}{link}")
    lines.append(f"Project page: {news.project_url}")
    if news.homepage:
        lines.append(f"Upstream: {news.homepage}")
    if news.packages:
        packages = ", ".join(f"{distro}: {name}" for distro, name in news.packages)
        lines.append(f"Packaged as {packages}")
    return "\n".join(lines)


def ping_text(channel_name: str) -> tuple[str, str]:
    """The title and body of a test message (the test button)."""
    return (
        "releasemon test message",
        f'This is a test of your releasemon chat channel "{channel_name}". Releases of the '
        f"projects you watch will arrive here. Change what you are told about: "
        f"{site_link(SETTINGS_PATH)}",
    )


def send(url: str, title: str, body: str, *, timeout: float) -> Outcome:
    """Send one message to the Apprise ``url``; True in the outcome when the service took
    it. ``timeout`` caps each connection's connect and read time."""
    allowed = current().http.allowed_networks
    started = time.monotonic()
    try:
        plugin = chat_urls.plugin_for(url, allowed)
    except chat_urls.ChatURLError as error:
        return Outcome(ok=False, error=f"Not sent: {error}")
    plugin.socket_connect_timeout = min(plugin.socket_connect_timeout, timeout)
    plugin.socket_read_timeout = min(plugin.socket_read_timeout, timeout)
    warnings = _ThreadWarnings()
    apprise_logger = logging.getLogger("apprise")
    apprise_logger.addHandler(warnings)
    try:
        with guarded_connections(allowed):
            sent = plugin.notify(
                body=body, title=title, notify_type=NotifyType.INFO, body_format=NotifyFormat.TEXT
            )
    except BackendError as error:
        # UnsafeURL: a connection to a refused address was stopped before it was made.
        return Outcome(ok=False, latency_ms=elapsed_ms(started), error=f"Not delivered: {error}")
    finally:
        apprise_logger.removeHandler(warnings)
    if sent:
        return Outcome(ok=True, latency_ms=elapsed_ms(started))
    said = " ".join(" ".join(line.split()) for line in warnings.lines[-2:])
    return Outcome(
        ok=False,
        latency_ms=elapsed_ms(started),
        error=f"The chat service did not take the message{': ' + said if said else '.'}",
    )
