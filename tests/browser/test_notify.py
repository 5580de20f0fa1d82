"""Notifications in headless Chromium, at desktop width and on a 360 px phone: a newcomer signs
up, watches a project from its page, finds it on /watchlist/, adds a webhook aimed at a
receiver on loopback, copies the signing secret shown once, presses "Send test" and sees the
test in the delivery log; the receiver checks the signature with the Standard Webhooks
reference library. Then a chat channel (an Apprise URL) is added and tested the same way. No
page scrolls sideways.

Screenshots land in ``var/screenshots/notify/`` (``<page>-<width>.png``).
"""

from __future__ import annotations

import pytest

from projects.notify.models import Channel, Delivery, Watch
from tests.browser.test_layout import DESKTOP, PHONE, WIDTH_PROBE
from tests.browser.test_site import (  # noqa: F401 (fixtures)
    PASSWORD,
    SCREENSHOTS,
    browser,
    pytestmark,
    session,
)
from tests.factories import DistroFactory, PackageFactory, ProjectFactory, ProjectVersionFactory
from tests.projects.notify.http_receiver import ChatEndpoint, Receiver, serve

NOTIFY_SCREENSHOTS = SCREENSHOTS / "notify"


@pytest.fixture
def receiver(settings):
    """A webhook receiver on loopback, which deliveries may reach for this test only; its
    secret is set once the page has shown it."""
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    started = Receiver(secret="")
    server = serve(started)
    yield started
    server.shutdown()
    server.server_close()


@pytest.fixture
def chat(receiver):
    """A JSON endpoint on loopback (allowed by ``receiver``), reached by a chat channel."""
    endpoint = ChatEndpoint()
    server = serve(endpoint)
    yield endpoint
    server.shutdown()
    server.server_close()


def assert_fits(visitor, name: str, label: str) -> None:
    """Screenshot the page; it must not be wider than the window."""
    NOTIFY_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=str(NOTIFY_SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    probe = visitor.page.evaluate(WIDTH_PROBE, visitor.page.viewport_size["width"])
    assert max(probe["html"], probe["body"], probe["inner"]) <= probe["width"], (name, probe)


def sign_up(visitor, mailoutbox, base_url: str, username: str) -> None:
    """Create an account through the site, follow the mailed link, sign in."""
    visitor.go("/login/")
    visitor.page.get_by_role("link", name="Create one").click()
    visitor.page.fill("input[name=email]", f"{username}@example.org")
    visitor.page.fill("input[name=username]", username)
    visitor.page.fill("input[name=password1]", PASSWORD)
    visitor.page.fill("input[name=password2]", PASSWORD)
    visitor.page.locator("main form button[type=submit]").click()
    visitor.page.get_by_text("Verify Your Email Address").first.wait_for()
    message = mailoutbox[-1]
    assert message.to == [f"{username}@example.org"]
    link = next(word for word in message.body.split() if word.startswith(base_url))
    visitor.page.goto(link)
    visitor.page.locator("main form button[type=submit]").click()
    visitor.page.wait_for_load_state()
    visitor.sign_in(username)


@pytest.mark.parametrize("label", ["desktop", "360"])
def test_watch_a_project_add_a_webhook_and_send_a_test(
    session,  # noqa: F811 (the imported fixture)
    live_server,
    mailoutbox,
    settings,
    receiver,
    chat,
    label,
):
    settings.SITE_URL = live_server.url  # the mailed link leads to this server
    geany = ProjectFactory(
        name="geany",
        homepage="https://www.geany.org/",
        latest_version="2.1rc1",
        pre_release_filter="rc",
        check_successful=True,
    )
    ProjectVersionFactory(project=geany, version="2.0")
    ProjectVersionFactory(project=geany, version="2.1rc1")
    fedora = DistroFactory(name="Fedora")
    PackageFactory(
        project=ProjectFactory(
            name="a-project-name-long-enough-to-overflow-a-phone-screen-without-any-space"
        ),
        distro=fedora,
    )
    newcomer = session(**(PHONE if label == "360" else DESKTOP))
    page = newcomer.page
    sign_up(newcomer, mailoutbox, live_server.url, f"watcher{label}")

    # Watch the project from its page: the button comes back as Unwatch, with a message.
    newcomer.go(f"/project/{geany.pk}/")
    assert_fits(newcomer, "project-before-watching", label)
    page.locator(".toolbar").get_by_role("button", name="Watch geany").click()
    page.get_by_text("You are watching geany").wait_for()
    assert page.locator(".toolbar").get_by_role("button", name="Unwatch geany").is_visible()
    assert Watch.objects.filter(user__username=f"watcher{label}", project=geany).exists()
    assert_fits(newcomer, "project-watched", label)

    # And every project of a distribution, from its page.
    newcomer.go("/distro/Fedora/")
    page.get_by_role("button", name="Watch all projects in this distribution").click()
    page.get_by_text("You are watching every project of Fedora").wait_for()

    # The watchlist shows both, the distribution's project marked as such.
    page.locator("header").get_by_role("link", name="Watchlist").click()
    page.wait_for_load_state()
    rows = page.locator("#watchlist tbody tr")
    assert rows.count() == 2
    geany_row = rows.filter(has_text="geany")
    assert "2.1rc1" in geany_row.inner_text() and "2.0" in geany_row.inner_text()
    assert "OK" in geany_row.inner_text()
    assert "through Fedora" in rows.filter(has_text="a-project-name").inner_text()
    distro_watches = page.locator("#distro-watches")
    assert distro_watches.get_by_role("link", name="Fedora", exact=True).is_visible()
    assert_fits(newcomer, "watchlist", label)

    # A watch's rules: a bad pattern is refused next to its field.
    geany_row.get_by_role("link", name="Edit rules of geany").click()
    page.fill("#id_include_pattern", "(unclosed")
    page.get_by_role("button", name="Save rules").click()
    page.locator("#error-summary").wait_for()
    assert page.locator("#row-include_pattern .error").is_visible()
    assert_fits(newcomer, "watch-rules-errors", label)

    # The lists a signed-in person sees carry a Watch button per project.
    for name, path in {
        "projects": "/projects/",
        "search": "/projects/search/?pattern=*a*",
        "distro": "/distro/Fedora/",
    }.items():
        newcomer.go(path)
        assert page.locator("main").get_by_role("button", name="Unwatch geany").count() == (
            0 if name == "distro" else 1
        )
        assert_fits(newcomer, f"list-{name}", label)

    # Add a webhook: its secret is shown once, on the next page.
    page.locator("header").get_by_role("link", name="Notifications").click()
    page.wait_for_load_state()
    assert_fits(newcomer, "notifications-empty", label)
    page.fill("#id_webhook-name", "ci")
    # A name, not the address: a literal private address is refused when the webhook is
    # added; the address guard checks what the name resolves to (allowed by the fixture).
    page.fill("#id_webhook-target", f"http://localhost:{receiver.port}/hooks/releases")
    page.get_by_role("button", name="Add webhook").click()
    page.get_by_text("Webhook ci added").wait_for()
    secret = page.locator("#new-secret-value").inner_text()
    assert secret.startswith("whsec_")
    receiver.secret = secret
    assert_fits(newcomer, "notifications-secret", label)

    # Send test: the receiver gets one signed ping, and the log shows it.
    page.get_by_role("button", name="Send test to ci").click()
    page.get_by_text("Test sent to ci: HTTP 202").wait_for()
    assert page.locator("#new-secret").count() == 0  # shown once only
    (request,) = receiver.requests
    assert request.verified, request.headers
    assert request.payload["type"] == "ping"
    log = page.locator("#delivery-log tbody tr")
    assert log.count() == 1
    row = log.first.inner_text()
    assert "ci" in row and "Test" in row and "Sent" in row and "202" in row
    assert "geany" not in row  # a test belongs to no project
    assert log.first.get_by_role("button", name="Redeliver").is_visible()
    channel = Channel.objects.get(user__username=f"watcher{label}")
    assert Delivery.objects.get(channel=channel).state == Delivery.State.SENT
    assert_fits(newcomer, "notifications-tested", label)

    # A bad URL is refused next to its field, the summary on top.
    page.fill("#id_webhook-name", "intranet")
    page.fill("#id_webhook-target", "http://10.1.2.3/hook")
    page.get_by_role("button", name="Add webhook").click()
    page.locator("#error-summary").wait_for()
    assert "not reachable from the internet" in page.locator("#row-webhook-target").inner_text()
    assert_fits(newcomer, "notifications-errors", label)

    # A chat through Apprise (its JSON service, to an endpoint on loopback): added, listed
    # with its URL masked, and a test message arrives.
    page.fill("#id_chat-name", "team")
    page.fill("#id_chat-target", f"json://localhost:{chat.port}/chat?:token=s3cr3t")
    page.get_by_role("button", name="Add chat").click()
    page.get_by_text("Chat channel team added").wait_for()
    card = page.locator(".channel", has_text="team")
    assert "json://localhost" in card.inner_text() and "s3cr3t" not in page.content()
    page.get_by_role("button", name="Send test to team").click()
    page.get_by_text("Test sent to team: accepted").wait_for()
    (message,) = chat.messages
    assert message["title"] == "releasemon test message"
    assert_fits(newcomer, "notifications-chat", label)
