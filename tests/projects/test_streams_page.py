"""The project page's "Release streams" table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2024, 1, 1, tzinfo=UTC)


def _project(*versions: tuple[str, int], **fields):
    project = ProjectFactory(**fields)
    for raw, day in versions:
        ProjectVersionFactory(project=project, version=raw, created_on=DAY + timedelta(days=day))
    return project


def _table(page: str) -> str:
    start = page.index('aria-labelledby="streams-title"')
    return page[start : page.index("</section>", start)]


def test_a_project_with_parallel_lines_shows_its_streams(client):
    project = _project(
        ("3.11.0", 0), ("3.12.0", 300), ("3.11.9", 400), ("3.12.1", 420), ("3.13.0rc1", 500),
        version_scheme="Python (PEP 440)",
    )  # fmt: skip
    page = client.get(f"/project/{project.pk}/").content.decode()
    table = _table(page)
    assert "Release streams" in table
    rows = table.split("<tr>")[2:]
    assert [row.split("</th>")[0].rsplit(">", 1)[1] for row in rows] == ["3.13", "3.12", "3.11"]
    assert "3.13.0rc1" in rows[0] and ">none<" in rows[0]
    assert '<th scope="col">First release (UTC)</th><th scope="col">Last release' in table
    # 3.11: first released on the first day, last on day 400 (a backport).
    first, last = rows[2].split("<time")[1:3]
    assert '"2024-01-01T00:00:00+00:00">2024-01-01<' in first
    assert '"2025-02-04T00:00:00+00:00">2025-02-04<' in last
    assert ">backports</span>" in rows[2] and ">backports</span>" not in rows[1]
    # The table comes before the versions list.
    assert page.index("streams-title") < page.index("versions-title")


def test_a_project_with_one_stream_shows_no_table(client):
    project = _project(("1.0", 0), ("1.1", 10), ("1.2", 20))
    page = client.get(f"/project/{project.pk}/").content.decode()
    assert "streams-title" not in page
    assert "versions-title" in page


def test_the_page_groups_the_versions_once_for_the_table_and_the_timeline(client, monkeypatch):
    from projects.selectors import streams as selector

    calls = []
    grouping = selector.release_streams
    monkeypatch.setattr(
        selector, "release_streams", lambda *args: calls.append(1) or grouping(*args)
    )
    project = _project(("3.11.0", 0), ("3.12.0", 300), ("3.11.9", 400))
    page = client.get(f"/project/{project.pk}/").content.decode()
    assert "streams-title" in page and "<svg" in page
    assert len(calls) == 1


def test_kept_streams_follow_a_new_definition_on_the_same_instance():
    from projects import services
    from projects.models import Project
    from projects.selectors.streams import project_streams

    project = _project(("16.1", 0), ("18.2", 10), ("18.3", 20))
    project = Project.objects.get(pk=project.pk)
    assert [s.name for s in project_streams(project)] == ["18", "16"]
    services.stream_create(
        project, services.StreamFields(name="LTS", pattern=r"^18\.2$"), agent="ada"
    )
    assert [s.name for s in project_streams(project)] == ["LTS", "18", "16"]
