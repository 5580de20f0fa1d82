"""The admins' status page in headless Chromium, on a database with a generated week of check
runs: the charts are drawn (bars for every hour, a bar per backend and per troubled host, the
backlog and outbox lines), in the light and the dark theme and on a phone, no label is cut off
or overlaps the chart's edge, and no page scrolls sideways.

Screenshots land in ``var/screenshots/status/`` (``status-<look>.png``, and the bar charts
close up in ``status-<look>-bars.png``).
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
from tests.releasemon.status_data import LONG_HOST, a_week_of_operations

#: Every text of the bar charts, and the shown labels of the hourly ones' axes, with the room
#: left to the edges of the chart it belongs to (none may stick out of it), and how far each
#: day's label is from the next one (none may overlap).
LABEL_BOXES = """() => [...document.querySelectorAll(
    '.status-page svg.bars text, .status-page .plot li')].filter(
      (label) => label.checkVisibility()).map((label, index, shown) => {
  const chart = label.closest('svg.bars') || label.closest('.plot');
  const box = label.getBoundingClientRect(), outer = chart.getBoundingClientRect();
  const next = shown[index + 1];
  const sameRow = next && next.parentNode === label.parentNode
    && label.parentNode.classList.contains('x-labels');
  return {text: label.textContent, left: box.left - outer.left, right: outer.right - box.right,
          width: box.width, gap: sameRow ? next.getBoundingClientRect().left - box.right : null};
})"""

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
    assert charts.count() == 5
    bars = page.locator("#checks svg rect")
    assert bars.count() > 7 * 24 * 2
    box = charts.first.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["width"] > 0.6 * width and box["height"] >= 200
    assert page.locator("#backlog svg polyline").count() == 2
    assert page.locator("#outbox svg polyline").count() >= 1

    # A bar a backend, the failing one first; a stacked bar (failed, rate-limited) a host.
    backend_bars = page.locator("#backends svg.bars rect.fail")
    assert backend_bars.count() == 4
    assert page.locator("#backends svg.bars text.name").first.text_content() == "custom"
    assert page.locator("#hosts svg.bars rect.fail").count() == 5
    assert page.locator("#hosts svg.bars rect.limited").count() == 1  # only GitHub's host
    for bar in (*backend_bars.all(), *page.locator("#hosts svg.bars rect").all()):
        drawn = bar.bounding_box()
        assert drawn is not None and drawn["width"] >= 1.5 and drawn["height"] >= 6, drawn
    bar_chart = page.locator("#hosts svg.bars").bounding_box()
    assert bar_chart is not None and bar_chart["width"] > 250
    # The long host name is cut with an ellipsis and whole in its tooltip.
    cut = page.locator("#hosts svg.bars text.name", has_text="…")
    assert cut.count() == 1 and cut.locator("title").text_content() == LONG_HOST
    labels = page.evaluate(LABEL_BOXES)
    assert sum(label["gap"] is not None for label in labels) >= 3 * 2  # 3 charts, 3+ days each
    for label in labels:
        assert label["left"] >= -0.5 and label["right"] >= -0.5 and label["width"] > 0, label
        assert label["gap"] is None or label["gap"] >= 4, label
    # The figures stay readable in a table under each bar chart.
    assert not page.locator("#hosts table").is_visible()
    page.locator("#hosts summary").click()
    assert page.locator("#hosts table").get_by_role("rowheader", name=LONG_HOST).is_visible()
    # The bars are painted in the theme's colours, not left black.
    fill = page.evaluate("() => getComputedStyle(document.querySelector('#checks rect.ok')).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")
    bar_fill = page.evaluate(
        "() => getComputedStyle(document.querySelector('#backends rect.fail')).fill"
    )
    assert bar_fill not in ("", "none", "rgb(0, 0, 0)")
    if look == "dark":
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        channels = [int(c) for c in background[background.index("(") + 1 : -1].split(",")[:3]]
        assert sum(channels) < 3 * 100, background  # a dark page
        assert fill != "rgb(46, 125, 50)"  # the lighter green of the dark theme
        assert bar_fill != "rgb(198, 40, 40)"  # the lighter red
        name = page.evaluate(
            "() => getComputedStyle(document.querySelector('#hosts text.name')).fill"
        )
        assert sum(int(c) for c in name[name.index("(") + 1 : -1].split(",")[:3]) > 3 * 150

    page.evaluate("() => window.scrollTo(0, 0)")
    directory = SCREENSHOTS / "status"
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(directory / f"status-{look}.png"), full_page=True)
    page.locator(".status-columns").screenshot(path=str(directory / f"status-{look}-bars.png"))
    probe = page.evaluate(WIDTH_PROBE, page.viewport_size["width"])
    assert max(probe["html"], probe["body"], probe["inner"]) <= probe["width"], probe
