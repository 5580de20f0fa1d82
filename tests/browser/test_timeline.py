"""The release timeline in headless Chromium at desktop width and on a 390 px phone: the
chart fills the panel without widening the page, its lane names and year labels keep a
readable size, every mark sits inside it, and hovering a mark names its version and date.

Screenshots land in ``var/screenshots/timeline-<width>.png`` (and a dark one on the phone).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.browser.test_site import (  # noqa: F401 (fixtures)
    SCREENSHOTS,
    browser,
    pytestmark,
    session,
)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "streams"

#: The chart's boxes as the browser laid them out.
PROBE = """() => {
  const svg = document.querySelector("section.timeline svg");
  const box = svg.getBoundingClientRect();
  const size = (node) => parseFloat(getComputedStyle(node).fontSize);
  const marks = [...svg.querySelectorAll(".lane use")].map((node) => {
    const mark = node.getBoundingClientRect();
    return {x: mark.left + mark.width / 2, left: mark.left, right: mark.right,
            width: mark.width, title: node.querySelector("title").textContent};
  });
  return {
    left: box.left, right: box.right, width: box.width,
    page: document.documentElement.scrollWidth,
    names: [...svg.querySelectorAll(".lane-name")].map((n) => [n.textContent, size(n)]),
    years: [...svg.querySelectorAll(".axis text")].map((n) => [n.textContent, size(n)]),
    marks: marks,
  };
}"""


def _cpython():
    from projects.models import Project
    from tests.factories import ProjectFactory, ProjectVersionFactory

    data = json.loads((FIXTURES / "cpython.json").read_text())
    project = ProjectFactory(name="cpython", version_scheme="Python (PEP 440)")
    for raw, day in data["versions"]:
        published = datetime.fromisoformat(day).replace(tzinfo=UTC)
        ProjectVersionFactory(project=project, version=raw, published_at=published)
    # A backport after the highest version: 3.12.8 on 2024-12-03, after 3.14.0a1.
    ProjectVersionFactory(
        project=project, version="3.12.8", published_at=datetime(2024, 12, 3, tzinfo=UTC)
    )
    return Project.objects.get(pk=project.pk), len(data["versions"]) + 1


@pytest.mark.parametrize(
    ("label", "options"),
    [("desktop", DESKTOP), ("390", PHONE), ("390-dark", {**PHONE, "color_scheme": "dark"})],
)
def test_the_timeline_fits_and_stays_readable(session, label, options):  # noqa: F811 (fixture)
    project, count = _cpython()
    visitor = session(**options)
    visitor.go(f"/project/{project.pk}/")
    chart = visitor.page.locator("section.timeline")
    chart.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SCREENSHOTS / f"timeline-{label}.png"))
    visitor.page.screenshot(path=str(SCREENSHOTS / f"timeline-page-{label}.png"), full_page=True)

    probe = visitor.page.evaluate(PROBE)
    width = options["viewport"]["width"]
    assert probe["page"] <= width  # the chart never widens the page
    assert probe["width"] > width * 0.7  # ... and fills its panel
    names = [name for name, _ in probe["names"]]
    assert names == ["3.14", "3.13", "3.12 · backports", "3.11 · backports"]
    # Text is not scaled down with the chart: 12 px on a phone as on a desktop.
    assert all(size >= 12 for _, size in probe["names"] + probe["years"])
    assert [year for year, _ in probe["years"]] == ["2023", "2024"]
    marks = probe["marks"]
    assert len(marks) == count
    assert all(probe["left"] <= m["left"] and m["right"] <= probe["right"] for m in marks)
    assert all(m["width"] >= 8 for m in marks)  # a dot or diamond a finger can find
    # Left to right is older to newer.
    by_date = sorted(marks, key=lambda m: m["title"].split("(")[1][:10])
    assert [m["x"] for m in by_date] == sorted(m["x"] for m in marks)
    # The backport is named next to the latest version.
    newest = visitor.page.locator("#newest-version")
    assert newest.inner_text().startswith("3.12.8 (2024-12-03), a backport")
    # Hovering a mark: its <title> is what the browser shows.
    mark = visitor.page.locator("section.timeline .lane use").first
    mark.hover()
    assert mark.locator("title").text_content() == "3.14.0a1 (2024-10-15), pre-release"
