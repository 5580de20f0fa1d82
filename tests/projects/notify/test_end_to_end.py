"""From a real check to every channel: an upstream download page on 127.0.0.1 gains versions,
the check stores them and writes its events, the q2 tasks fan them out and deliver them, and
each person's webhook (signatures verified with the reference library), mailbox (a real SMTP
server) and chat (Apprise posting to a JSON endpoint) receives exactly what their watch's
rules allow."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from projects import check
from projects.models import Project
from projects.notify import tasks
from projects.notify.models import ChangeLevel, Delivery, Watch
from tests.factories import ProjectFactory, UserFactory
from tests.projects.notify.factories import ChannelFactory, WatchFactory

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class DownloadPage:
    """The upstream: an HTML index of tarballs on 127.0.0.1, whose list a test changes."""

    def __init__(self) -> None:
        self.versions: list[str] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/downloads/"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                links = "".join(
                    f'<a href="widget-{version}.tar.gz">widget-{version}.tar.gz</a>\n'
                    for version in page.versions
                )
                body = f"<html><body>{links}</body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        return Handler


@pytest.fixture
def upstream() -> Iterator[DownloadPage]:
    page = DownloadPage()
    yield page
    page.server.shutdown()
    page.server.server_close()


def checked(project: Project) -> check.CheckResult:
    project.refresh_from_db()
    result = check.check_project(project, trigger=check.Trigger.SCHEDULER)
    assert result.outcome is check.Outcome.SUCCESS, result.error
    return result


def test_a_check_finds_new_versions_and_each_channel_gets_what_its_rules_allow(
    upstream, start_receiver, endpoint, smtp_server, allow_loopback
):
    project = ProjectFactory(
        name="widget",
        version_url=upstream.url,
        regex=r"widget-([0-9][0-9a-z.]*)\.tar\.gz",
    )
    upstream.versions = ["1.0"]
    assert checked(project).new_versions == ("1.0",)
    tasks.notify_fan_out()  # nobody watches yet: the first version goes to no one

    receiver, chat = start_receiver(SECRET), endpoint()
    # ann: every stable version, by webhook.
    ann = UserFactory(username="ann")
    WatchFactory(user=ann, project=project)
    ChannelFactory(user=ann, webhook=True, target=receiver.url, secret=SECRET)
    # bob: major releases only, by mail.
    bob = UserFactory(username="bob")
    WatchFactory(user=bob, project=project, min_change=ChangeLevel.MAJOR)
    ChannelFactory(user=bob, target="bob@example.org")
    # cid: the 2.x line, pre-releases too, in a chat.
    cid = UserFactory(username="cid")
    WatchFactory(user=cid, project=project, stable_only=False, include_pattern=r"^2\.")
    ChannelFactory(user=cid, chat=True, target=chat.url)
    # dee: excludes everything; eve: waits a day before hearing of anything.
    dee, eve = UserFactory(username="dee"), UserFactory(username="eve")
    WatchFactory(user=dee, project=project, exclude_pattern=".")
    WatchFactory(user=eve, project=project, hold_hours=24)
    for quiet in (dee, eve):
        ChannelFactory(user=quiet, webhook=True, target=receiver.url, secret=SECRET)

    upstream.versions = ["1.0", "1.0.1", "2.0", "2.1rc1"]
    assert set(checked(project).new_versions) == {"1.0.1", "2.0", "2.1rc1"}
    tasks.notify_fan_out()
    tasks.notify_deliver()

    (request,) = receiver.requests
    assert request.verified
    assert request.payload["versions"] == ["1.0.1", "2.0"]
    assert request.payload["previous"] == "1.0"

    (mail,) = smtp_server.messages
    assert mail["To"] == "bob@example.org"
    assert mail["Subject"] == "[releasemon] widget 2.0 released"
    assert "1.0.1" not in mail.get_body(("plain",)).get_content()

    (message,) = chat.messages
    assert message["title"] == "widget 2.0, 2.1rc1 released"

    held = Delivery.objects.get(watch=Watch.objects.get(user=eve))
    assert held.state == Delivery.State.HELD
    assert not Delivery.objects.filter(watch__user=dee).exists()
    sent = Delivery.objects.filter(state=Delivery.State.SENT)
    assert sorted(sent.values_list("channel__user__username", flat=True)) == ["ann", "bob", "cid"]

    # The next check finds nothing new: nothing more is sent to anyone.
    assert checked(project).new_versions == ()
    tasks.notify_fan_out()
    tasks.notify_deliver()
    assert (len(receiver.requests), len(smtp_server.messages), len(chat.messages)) == (1, 1, 1)
