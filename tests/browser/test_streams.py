"""Release streams in Chromium, at desktop and phone widths: a person defines an LTS stream
and marks a detected line end-of-life on the "Manage streams" page, a bad pattern is a form
error, and the project page's table shows both; the History tab lists each change, and
reverting to the state after the first takes the end-of-life mark away again."""

from __future__ import annotations

import datetime as dt

import pytest

from messaging.models import OutboxMessage
from projects.models import ReleaseStream
from tests.browser.test_site import browser, pytestmark, session  # noqa: F401 (fixtures)
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory

DAY = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "options",
    [
        {"viewport": {"width": 1280, "height": 800}},
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    ],
    ids=["desktop", "phone"],
)
def test_define_an_lts_stream_and_retire_a_line(session, options):  # noqa: F811 (the fixture)
    UserFactory(email="ada@example.org", username="ada", verified_email=True)
    project = ProjectFactory(name="node", version_scheme="Semantic")
    for raw, day in [("16.0.0", 0), ("18.0.0", 360), ("16.20.0", 500), ("20.0.0", 720)]:
        ProjectVersionFactory(project=project, version=raw, created_on=DAY + dt.timedelta(day))

    ada = session(**options)
    ada.sign_in("ada")
    ada.go(f"/project/{project.pk}/")
    page = ada.page
    page.get_by_role("link", name="Manage streams").click()
    page.wait_for_load_state()

    page.fill("#id_name", "LTS")
    page.fill("#id_pattern", "(unclosed")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").is_visible()
    assert "Invalid regular expression" in page.locator("#error-summary").inner_text()

    page.fill("#id_pattern", r"^(18|20)\.")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    page.fill("#id_name", "16")
    page.fill("#id_end_of_life", "2023-09-11")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    assert ReleaseStream.objects.count() == 2

    ada.go(f"/project/{project.pk}/")
    table = page.locator("section[aria-labelledby=streams-title]")
    assert table.is_visible()
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert "LTS" in rows.nth(0).inner_text() and "defined" in rows.nth(0).inner_text()
    retired = rows.nth(1).inner_text()
    assert "16" in retired and "end of life" in retired and "2023-09-11" in retired

    # The History tab keeps both changes; a revert to the state after the first drops the mark.
    page.locator("#history-link").click()
    page.get_by_role("heading", name="History of node").wait_for()
    entries = page.locator("li.history-entry")
    assert entries.count() == 2
    newest = entries.first.inner_text()
    assert "Project edited by ada" in newest
    assert (
        r"Release streams defined: LTS: ^(18|20)\. → LTS: ^(18|20)\.; 16: end of life 2023-09-11"
        in (newest)
    )
    entries.nth(1).get_by_role("button", name="Revert to the state of").click()
    page.get_by_role("heading", name="Revert the settings of node").wait_for()
    question = page.locator("ul.revert-changes").inner_text()
    assert "16: end of life 2023-09-11 → LTS" in question
    page.get_by_role("button", name="Revert to this state").click()
    page.get_by_text("Settings reverted to their state of").wait_for()
    assert list(ReleaseStream.objects.values_list("name", flat=True)) == ["LTS"]
    last = OutboxMessage.objects.filter(topic="project.edit").latest("pk").body["message"]
    assert (last["agent"], last["fields"]) == ("ada", ["release_streams"])
