"""The project page's release timeline (inline SVG under the streams table) and its newest
versus highest line."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client

from projects import services
from projects.selectors.newest import PublishedVersion, newest_if_not_highest, newest_published
from projects.site.page_cache import forget_pages
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2022, 1, 1, tzinfo=UTC)


def _project(*versions: tuple[str, int | None, int | None], **fields):
    """Versions as (raw, retrieved on day, published on day or None)."""
    fields.setdefault("version_scheme", "Python (PEP 440)")
    project = ProjectFactory(**fields)
    for raw, retrieved, published in versions:
        ProjectVersionFactory(
            project=project,
            version=raw,
            created_on=DAY + timedelta(days=retrieved or 0),
            published_at=None if published is None else DAY + timedelta(days=published),
        )
    return project


CPYTHON = (
    ("3.11.0", 700, 0), ("3.12.0rc1", 700, 200), ("3.12.0", 700, 280), ("3.11.9", 700, 400),
    ("3.12.1", 700, 420),
)  # fmt: skip


def _svg(page: str) -> str:
    start = page.index("<svg", page.index('aria-labelledby="timeline-title"'))
    return page[start : page.index("</svg>", start) + 6]


def test_the_timeline_draws_a_lane_per_stream_with_a_titled_mark_per_version(client):
    project = _project(*CPYTHON, name="cpython")
    page = client.get(f"/project/{project.pk}/").content.decode()
    svg = _svg(page)
    # Under the streams table, above the versions.
    assert page.index("streams-title") < page.index("timeline-title") < page.index("versions-title")
    assert 'width="100%"' in svg
    assert re.findall(r'class="lane-name">([^<]+)<', svg) == ["3.12", "3.11"]
    assert '<tspan class="muted"> · backports</tspan>' in svg  # 3.11 got 3.11.9 late
    assert '<title id="timeline-svg-title">Release timeline of cpython</title>' in svg
    titles = re.findall(r"<title>([^<]+)</title>", svg)
    assert sorted(titles) == [
        "3.11.0 (2022-01-01)", "3.11.9 (2023-02-05)", "3.12.0 (2022-10-08)",
        "3.12.0rc1 (2022-07-20), pre-release", "3.12.1 (2023-02-25)",
    ]  # fmt: skip
    # The pre-release is drawn with another shape, not only another colour.
    assert svg.count('href="#tl-p"') == 2  # its mark and the legend's
    assert svg.count('href="#tl-r"') == 5
    assert "2 streams, 5 versions from 2022 to 2023, 1 of them a pre-release" in svg
    assert 'aria-describedby="timeline-desc"' in svg
    assert re.search(r'<desc id="timeline-desc">2 streams, 5 versions from 2022 to 2023', svg)
    # Year ticks on the axis; percentages use a dot whatever the language.
    assert re.findall(r'text-anchor="\w+">(\d{4})</text>', svg) == ["2022", "2023"]
    assert re.search(r'x="\d+\.\d+%"', svg) and not re.search(r'x="\d+,\d+%"', svg)


def test_dates_are_published_where_given_else_retrieved(client):
    project = _project(("1.0", 10, None), ("1.1", 40, 35))
    svg = _svg(client.get(f"/project/{project.pk}/").content.decode())
    assert "1.0 (2022-01-11)" in svg and "1.1 (2022-02-05)" in svg


def test_one_stream_still_gets_a_timeline_but_no_streams_table(client):
    project = _project(("1.0", 0, None), ("1.1", 30, None), ("1.2", 60, None))
    page = client.get(f"/project/{project.pk}/").content.decode()
    assert "streams-title" not in page
    assert re.findall(r'class="lane-name">([^<]+)<', _svg(page)) == ["1"]


def test_no_timeline_without_versions_or_with_all_on_one_day(client):
    bare = ProjectFactory()
    assert "timeline-title" not in client.get(f"/project/{bare.pk}/").content.decode()
    same_day = _project(("1.0", 3, None), ("2.0", 3, None), ("3.0", 3, None))
    page = client.get(f"/project/{same_day.pk}/").content.decode()
    assert "timeline-title" not in page and "versions-title" in page


def test_withdrawn_and_filtered_versions_are_not_drawn(client):
    project = _project(("1.0", 0, None), ("1.1", 30, None), ("1.2", 60, None))
    project.versions.filter(version="1.1").update(withdrawn_on=DAY + timedelta(days=90))
    project.version_filter = "1.2"
    project.save()
    page = client.get(f"/project/{project.pk}/").content.decode()
    assert "timeline-title" not in page  # one version left: one day
    ProjectVersionFactory(project=project, version="1.3", created_on=DAY + timedelta(days=99))
    svg = _svg(client.get(f"/project/{project.pk}/").content.decode())
    assert "1.0 (2022-01-01)" in svg and "1.3 (2022-04-10)" in svg
    assert "1.1 (" not in svg and "1.2 (" not in svg


# -- newest versus highest ----------------------------------------------------------------


def test_a_backport_published_after_the_latest_is_named_next_to_it(client):
    project = _project(*CPYTHON, ("3.11.10", 700, 450))
    page = client.get(f"/project/{project.pk}/").content.decode()
    assert re.search(
        r'<dd id="newest-version"><strong class="version">3.11.10</strong> '
        r'\(<time datetime="2023-03-27T00:00:00\+00:00">2023-03-27</time>\), a backport',
        page,
    )
    assert page.index("Latest version") < page.index("Most recently published")


def test_no_newest_line_when_the_latest_is_the_newest_or_dates_are_missing(client):
    in_order = _project(("1.0", 0, 0), ("1.1", 0, 10), ("2.0", 0, 20))
    assert "newest-version" not in client.get(f"/project/{in_order.pk}/").content.decode()
    undated = _project(("1.0", 0, None), ("2.0", 0, None), ("1.1", 9, None))
    assert "newest-version" not in client.get(f"/project/{undated.pk}/").content.decode()


def test_the_selector_reads_visible_live_published_versions_only():
    project = _project(
        ("2.0", 0, 10), ("1.9", 0, 30), ("1.8.1", 0, 30), ("1.7", 90, None), ("1.6-bad", 0, 60),
        version_filter="-bad",
    )  # fmt: skip
    # 1.6-bad is filtered, 1.7 has no publication date; of the two on day 30, the higher.
    assert newest_published(project) == PublishedVersion("1.9", DAY + timedelta(days=30))
    assert newest_if_not_highest(project) == newest_published(project)
    project.versions.filter(version="1.9").update(withdrawn_on=DAY)
    project = type(project).objects.get(pk=project.pk)
    assert newest_published(project).version == "1.8.1"
    project.versions.exclude(version="2.0").update(withdrawn_on=DAY)
    project = type(project).objects.get(pk=project.pk)
    assert newest_published(project).version == "2.0"
    assert newest_if_not_highest(project) is None
    assert newest_published(ProjectFactory()) is None


@pytest.mark.django_db(transaction=True)
def test_the_shared_page_shows_a_new_backport_and_its_mark_at_once():
    forget_pages()
    project = _project(("3.11.0", 0, 0), ("3.12.0", 0, 280))
    path = f"/project/{project.pk}/"
    first = Client().get(path).content.decode()
    assert "newest-version" not in first and "3.11.9 (" not in first
    assert Client().get(path).content.decode() == first  # kept for the next visitor
    with transaction.atomic():
        ProjectVersionFactory(project=project, version="3.11.9", published_at=DAY + timedelta(400))
        ProjectVersionFactory(project=project, version="0.1")
        services.versions_delete(project, ["0.1"], agent="test")  # moves the stamp
    page = Client().get(path).content.decode()
    assert "3.11.9 (2023-02-05)" in _svg(page) and 'id="newest-version"' in page
    forget_pages()
