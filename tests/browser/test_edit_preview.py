"""Preview changes on the edit page, in headless Chromium (issue #20): with and without
JavaScript, at phone and desktop widths, the preview shows the hidden and revealed versions
and the fresh check before saving, and the page after saving shows what it said.

Screenshots land in ``var/screenshots/layout/edit-preview-<width>.png``.
"""

from __future__ import annotations

import pytest

from projects.models import Project
from tests.browser.test_layout import DESKTOP, LAYOUT_SCREENSHOTS, PHONE, WIDTH_PROBE
from tests.browser.test_site import (  # noqa: F401 (fixtures)
    browser,
    pytestmark,
    session,
)
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory


@pytest.mark.parametrize(
    ("label", "options"),
    [("360", PHONE), ("1280", DESKTOP), ("360-no-script", {**PHONE, "java_script_enabled": False})],
)
def test_preview_then_save(session, upstream, label, options):  # noqa: F811 (the fixture)
    UserFactory(email="ada@example.org", username="ada", verified_email=True)
    project = ProjectFactory(
        name="geany",
        homepage="https://www.geany.org/",
        version_url=upstream.publish("geany", "1.0", "1.1-beta1", "2.0-rc1", "2.0"),
        version_filter="beta",
    )
    for raw in ("1.0", "1.1-beta1", "2.0-rc1"):
        ProjectVersionFactory(project=project, version=raw)

    ada = session(**options)
    ada.sign_in("ada@example.org")
    ada.go(f"/project/{project.pk}/edit")
    page = ada.page
    page.fill("#id_version_filter", "rc")
    page.get_by_role("button", name="Preview changes").click()
    page.wait_for_load_state()

    panel = page.get_by_role("region", name="Preview of your changes")
    assert panel.is_visible()
    hidden = panel.get_by_role("heading", name="Hidden (1)")
    assert hidden.is_visible()
    assert panel.get_by_role("heading", name="Revealed (1)").is_visible()
    text = panel.inner_text()
    assert "2.0-rc1" in text and "1.1-beta1" in text
    assert "New versions it would store (1)" in text
    assert "no longer lists" not in text
    assert page.input_value("#id_version_filter") == "rc"  # the values typed are kept
    assert Project.objects.get(pk=project.pk).version_filter == "beta"  # nothing saved
    LAYOUT_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(LAYOUT_SCREENSHOTS / f"edit-preview-{label}.png"), full_page=True)
    probe = page.evaluate(WIDTH_PROBE, page.viewport_size["width"])
    assert max(probe["html"], probe["body"], probe["inner"]) <= probe["width"], probe

    page.locator("main form").get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    listed = page.locator("main").inner_text()
    assert "1.1-beta1" in listed  # revealed
    assert "2.0-rc1" not in listed  # hidden
    assert Project.objects.get(pk=project.pk).version_filter == "rc"
