"""Preview, history and revert in headless Chromium, at desktop width and on a 360 px phone
(issue #20): a user edits a project's regex and version filter on the edit page, previews the
edit (the versions it would hide and reveal, and a fresh check with the new regex), saves, and
the page shows what the preview said; then opens the History tab, reverts the edit after its
confirmation, and the project is back as before: the page and API v1 show the same versions
and latest version, the stored latest version is the one before, and the messages are the
edits' and the revert's ``project.edit`` only, in the outbox and sent through the real
RabbitMQ to a consumer, in order. No page scrolls sideways.

Screenshots land in ``var/screenshots/history/`` (``<page>-<width>.png``).
"""

from __future__ import annotations

import json

import pytest

from messaging import relay
from messaging.models import OutboxMessage
from projects import services
from projects.models import AuditEntry, Project
from tests.browser.test_layout import DESKTOP, PHONE, WIDTH_PROBE
from tests.browser.test_site import (  # noqa: F401 (fixtures)
    SCREENSHOTS,
    browser,
    pytestmark,
    session,
)
from tests.factories import UserFactory
from tests.messaging.conftest import amqp_url, bus  # noqa: F401 (fixtures)

HISTORY_SCREENSHOTS = SCREENSHOTS / "history"


def assert_fits(visitor, name: str, label: str) -> None:
    """Screenshot the page; it must not be wider than the window."""
    HISTORY_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visitor.page.screenshot(path=str(HISTORY_SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    probe = visitor.page.evaluate(WIDTH_PROBE, visitor.page.viewport_size["width"])
    assert max(probe["html"], probe["body"], probe["inner"]) <= probe["width"], (name, probe)


def shown_versions(page) -> tuple[list[str], str]:
    """The versions table's rows and the latest version, as the project page shows them."""
    rows = page.locator("table.versions tbody tr").all_inner_texts()
    latest = page.locator("#details-title + dl dd").first.inner_text()
    return rows, latest


def api_v1(page, project_id: int) -> dict:
    """The project as API v1 answers it to the browser."""
    return page.evaluate(f"fetch('/api/project/{project_id}').then(answer => answer.json())")


def outbox_topics() -> list[str]:
    return list(OutboxMessage.objects.order_by("pk").values_list("topic", flat=True))


NARROWER_REGEX = r"geany-(2[\d.]*(?:rc\d+)?)\.tar\.gz"


@pytest.mark.parametrize("label", ["desktop", "360"])
def test_edit_a_project_after_its_preview_then_revert_it_from_the_history_tab(
    session,  # noqa: F811 (the imported fixture)
    upstream,
    bus,  # noqa: F811 (the imported fixture)
    label,
):
    UserFactory(email="ada@example.org", username="ada", verified_email=True)
    page_url = upstream.publish("geany", "1.38", "2.0", "2.1rc1")
    project = services.project_create(
        agent="ada",
        validate=True,  # the first check stores the versions, as the site's form does
        name="geany",
        homepage="https://www.geany.org/",
        backend="custom",
        version_url=page_url,
        pre_release_filter="rc",
    )
    assert project.versions.count() == 3
    services.project_edit(project, agent="ada", version_filter="1.38")  # 1.38 hidden
    sent_before = outbox_topics()
    assert sent_before[0] == "project.add" and sent_before[-1] == "project.edit"
    assert "project.version.update" in sent_before  # the first check's versions
    latest_before = Project.objects.get(pk=project.pk).latest_version
    assert latest_before == "2.1rc1"

    ada = session(**(PHONE if label == "360" else DESKTOP))
    page = ada.page
    ada.sign_in("ada@example.org")
    ada.go(f"/project/{project.pk}/")
    before = shown_versions(page)
    assert [row.split()[0] for row in before[0]] == ["2.1rc1", "2.0"]
    assert before[1].startswith("2.1rc1")
    api_before = api_v1(page, project.pk)
    assert (api_before["version"], api_before["versions"]) == ("2.1rc1", ["2.1rc1", "2.0"])

    # Edit the regex and the version filter, and preview the edit before saving.
    page.locator(".toolbar").get_by_role("link", name="Edit").click()
    page.fill("#id_regex", NARROWER_REGEX)
    page.fill("#id_version_filter", "rc")
    page.get_by_role("button", name="Preview changes").click()
    panel = page.get_by_role("region", name="Preview of your changes")
    panel.wait_for()
    assert panel.get_by_role("heading", name="Hidden (1)").is_visible()
    assert panel.get_by_role("heading", name="Revealed (1)").is_visible()
    hidden = panel.locator("h3:has-text('Hidden (1)') ~ ul").first.inner_text()
    revealed = panel.locator("h3:has-text('Revealed (1)') ~ ul").first.inner_text()
    assert (hidden.strip(), revealed.strip()) == ("2.1rc1", "1.38")
    text = panel.inner_text()
    assert "2.1rc1 now, 2.0 after saving" in text  # the latest version changes
    # The fresh check with the narrower regex no longer finds 1.38, which is kept.
    assert "Stored versions the upstream no longer lists (1)" in text
    assert "kept as they are" in text
    assert Project.objects.get(pk=project.pk).version_filter == "1.38"  # nothing saved yet
    assert_fits(ada, "preview", label)

    page.locator("main form").get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Project edited", exact=True).wait_for()
    edited = shown_versions(page)
    assert [row.split()[0] for row in edited[0]] == ["2.0", "1.38"]  # as the preview said
    assert edited[1].startswith("2.0")
    assert api_v1(page, project.pk)["version"] == "2.0"  # at once, not at the next check

    # The History tab lists the edit, newest first, with its values before and after.
    page.locator("#history-link").click()
    page.get_by_role("heading", name="History of geany").wait_for()
    entries = page.locator("li.history-entry")
    assert entries.count() == 3
    newest = entries.first.inner_text()
    assert "Project edited by ada" in newest
    assert "Version filter: 1.38 → rc" in newest
    assert NARROWER_REGEX in newest
    assert "Project added by ada" in entries.nth(2).inner_text()
    assert_fits(ada, "history", label)

    # Revert to the state before the browser's edit: a confirmation lists what changes.
    entries.nth(1).get_by_role("button", name="Revert to the state of").click()
    page.get_by_role("heading", name="Revert the settings of geany").wait_for()
    question = page.locator("ul.revert-changes").inner_text()
    assert "Version filter: rc → 1.38" in question and "Regex:" in question
    # And what the page will list then, as the edit's preview did.
    versions = page.get_by_role("region", name="Versions once reverted").inner_text()
    assert "2.0 now, 2.1rc1 once reverted" in versions
    assert "Hidden (1): 1.38." in versions and "Revealed (1): 2.1rc1." in versions
    assert_fits(ada, "revert-confirm", label)
    page.get_by_role("button", name="Revert to this state").click()
    page.get_by_text("Settings reverted to their state of").wait_for()
    assert page.locator("li.history-entry").count() == 4
    assert "revert to" in page.locator("li.history-entry").first.inner_text()
    assert_fits(ada, "history-after-revert", label)

    # The project is back as before: the same versions, the same latest version.
    page.get_by_role("link", name="Back to the project").click()
    page.get_by_role("heading", name="geany").first.wait_for()
    assert shown_versions(page) == before
    assert_fits(ada, "project-after-revert", label)
    assert api_v1(page, project.pk) == {
        **api_before,
        "updated_on": api_v1(page, project.pk)["updated_on"],
    }
    project = Project.objects.get(pk=project.pk)
    assert (project.regex, project.version_filter) == (None, "1.38")
    assert project.latest_version == latest_before
    assert project.versions.count() == 3  # neither the preview nor the edits stored anything

    # The messages: the browser's edit and the revert sent a project.edit each, nothing else
    # (no version was stored or removed), and the relay delivers them all, in order, to a
    # consumer of the real broker.
    sent = outbox_topics()
    assert sent == [*sent_before, "project.edit", "project.edit"]
    assert relay.publish_pending().sent == len(sent)
    received = bus.receive(len(sent))
    assert [item.routing_key for item in received] == [
        f"{bus.prefix}.anitya.{topic}" for topic in sent
    ]
    assert bus.quiet() == received  # and nothing more
    edits = [
        message.body["message"]
        for message in OutboxMessage.objects.filter(topic="project.edit").order_by("pk")
    ]
    assert json.loads(received[-1].body)["message"] == edits[-1]
    assert [(m["agent"], sorted(m["fields"])) for m in edits] == [
        ("ada", ["version_filter"]),
        ("ada", ["regex", "version_filter"]),
        ("ada", ["regex", "version_filter"]),
    ]
    assert edits[2]["changes"]["version_filter"] == {"old": "rc", "new": "1.38"}
    revert_entry = AuditEntry.objects.filter(project_id=project.pk).latest("pk")
    assert revert_entry.reverts == (
        AuditEntry.objects.filter(project_id=project.pk, kind="project.edit").order_by("pk")[0].pk
    )
    # The edit moved the latest version and the revert moved it back: the log says both.
    browser_edit = AuditEntry.objects.filter(project_id=project.pk).order_by("-pk")[1]
    assert (browser_edit.before["latest_version"], browser_edit.after["latest_version"]) == (
        "2.1rc1",
        "2.0",
    )
    assert (revert_entry.before["latest_version"], revert_entry.after["latest_version"]) == (
        "2.0",
        "2.1rc1",
    )
