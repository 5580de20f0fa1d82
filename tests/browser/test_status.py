"""The admins' status page in headless Chromium, on a database with a generated week of check
runs: the charts are drawn (bars for every hour, the backlog and outbox lines), in the light
and the dark theme and on a phone, and no page scrolls sideways.

Screenshots land in ``var/screenshots/status/`` (``status-<look>.png``).
"""

from __future__ import annotations

import pytest

from tests.browser.test_layout import DESKTOP, PHONE, WIDTH_PROBE
from tests.browser.test_site import (  # noqa: F401 (fixtures)
    SCREENSHOTS,
    browser,
    pytestmark,
    session,
)
from tests.factories import AdminFactory
from tests.releasemon.status_data import a_week_of_operations

LOOKS = {
    "light": DESKTOP,
    "dark": {**DESKTOP, "color_scheme": "dark"},
    "phone": PHONE,
}


@pytest.mark.parametrize("look", list(LOOKS))
def test_the_status_page_draws_a_week(session, look):  # noqa: F811 (the imported fixture)
    AdminFactory(username="root", verified_email=True)
    a_week_of_operations()
    root = session(**LOOKS[look])
    root.sign_in("root")

    root.go("/admin/")
    root.page.get_by_role("link", name="Status: checks, upstreams, backlog and outbox").click()
    root.page.wait_for_load_state()

    page = root.page
    assert page.get_by_role("heading", name="Checks per hour, last 7 days").is_visible()
    charts = page.locator("svg.chart")
    assert charts.count() == 3
    bars = page.locator("#checks svg rect")
    assert bars.count() > 7 * 24 * 2
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] >= 200
    assert page.locator("#backlog svg polyline").count() == 2
    assert page.locator("#outbox svg polyline").count() >= 1
    # The bars are painted in the theme's colours, not left black.
    fill = page.evaluate("() => getComputedStyle(document.querySelector('#checks rect.ok')).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")
    if look == "dark":
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        channels = [int(c) for c in background[background.index("(") + 1 : -1].split(",")[:3]]
        assert sum(channels) < 3 * 100, background  # a dark page
        assert fill != "rgb(46, 125, 50)"  # the lighter green of the dark theme

    directory = SCREENSHOTS / "status"
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"status-{look}.png"), full_page=True)
    probe = page.evaluate(WIDTH_PROBE, page.viewport_size["width"])
    assert max(probe["html"], probe["body"], probe["inner"]) <= probe["width"], probe
