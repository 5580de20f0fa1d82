"""The "Manage streams" page (/project/<id>/streams) and the streams table's marks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from messaging.models import OutboxMessage
from projects.models import ReleaseStream
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def ada() -> Client:
    client = Client()
    client.force_login(UserFactory(username="ada"))
    return client


@pytest.fixture
def project():
    project = ProjectFactory(name="node", version_scheme="Semantic")
    for raw, day in [("18.0.0", 0), ("20.0.0", 360), ("21.0.0", 540), ("18.20.0", 600)]:
        ProjectVersionFactory(project=project, version=raw, created_on=DAY + dt.timedelta(day))
    return project


def _table(page: str) -> str:
    start = page.index('aria-labelledby="streams-title"')
    return page[start : page.index("</section>", start)]


def test_signing_in_is_needed(client, project):
    answer = client.get(f"/project/{project.pk}/streams")
    assert answer.status_code == 302 and "login" in answer["Location"]
    client.post(f"/project/{project.pk}/streams", {"name": "LTS", "pattern": "^18"})
    assert not ReleaseStream.objects.exists()


def test_adding_an_lts_stream_shows_it_on_the_project_page(ada, project):
    page = ada.get(f"/project/{project.pk}/streams").content.decode()
    assert "Add a definition" in page and "No stream is defined by hand." in page
    answer = ada.post(f"/project/{project.pk}/streams", {"name": "LTS", "pattern": r"^(18|20)\."})
    assert answer.status_code == 302
    assert answer["Location"] == f"/project/{project.pk}/streams"
    listed = ada.get(answer["Location"]).content.decode()
    assert "Stream LTS added" in listed and r"<code>^(18|20)\.</code>" in listed
    table = _table(ada.get(f"/project/{project.pk}/").content.decode())
    assert "LTS" in table and ">defined</span>" in table and "Manage streams" in table
    assert OutboxMessage.objects.filter(topic="project.edit").count() == 1
    # Kept in the history, which the page links to.
    assert f'href="/project/{project.pk}/history"' in listed
    history = ada.get(f"/project/{project.pk}/history").content.decode()
    assert r"<ins>LTS: ^(18|20)\.</ins>" in history


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"name": "20", "pattern": "^20"}, "how a detected stream is named"),
        ({"name": "LTS", "pattern": "(a"}, "Invalid regular expression"),
        ({"name": "LTS\x07", "pattern": "^1"}, "printable"),
        ({"name": "x" * 41, "pattern": "^1"}, "at most 40 characters"),
        ({"name": "LTS", "pattern": "^1", "end_of_life": "soon"}, "Enter a valid date."),
        ({"name": "18", "pattern": ""}, "give the date"),
    ],
)
def test_bad_definitions_are_form_errors(ada, project, data, says):
    answer = ada.post(f"/project/{project.pk}/streams", data)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "There is a problem" in page
    assert says.lower() in page.lower()
    assert not ReleaseStream.objects.exists()


def test_a_pattern_that_backtracks_catastrophically_is_refused(ada, settings):
    settings.REGEX_TIMEOUT = 0.05
    project = ProjectFactory(version_scheme="RPM")
    ProjectVersionFactory(project=project, version="1" * 45)
    answer = ada.post(f"/project/{project.pk}/streams", {"name": "slow", "pattern": "(1|11)+2"})
    assert answer.status_code == 400
    assert "took too long" in answer.content.decode()


def test_marking_a_detected_stream_end_of_life(ada, project, client):
    ada.post(
        f"/project/{project.pk}/streams", {"name": "18", "pattern": "", "end_of_life": "2025-04-30"}
    )
    table = _table(client.get(f"/project/{project.pk}/").content.decode())
    row = next(row for row in table.split("<tr")[2:] if '<th scope="row">18' in row)
    assert ">end of life</span>" in row and ">2025-04-30</time>" in row
    assert "Manage streams" not in table  # an anonymous visitor may not


def test_editing_and_deleting_a_definition(ada, project):
    ada.post(f"/project/{project.pk}/streams", {"name": "LTS", "pattern": r"^18\."})
    row = ReleaseStream.objects.get()
    form = ada.get(f"/project/{project.pk}/streams/{row.pk}").content.decode()
    assert "Edit LTS" in form and 'value="LTS"' in form
    ada.post(
        f"/project/{project.pk}/streams/{row.pk}",
        {"name": "Hydrogen", "pattern": r"^18\.", "end_of_life": "2025-04-30", "position": "3"},
    )
    row.refresh_from_db()
    assert (row.name, row.end_of_life, row.position) == ("Hydrogen", dt.date(2025, 4, 30), 3)
    asked = ada.post(f"/project/{project.pk}/streams/{row.pk}/delete")
    assert asked.status_code == 200 and "Delete the stream definition" in asked.content.decode()
    assert ReleaseStream.objects.exists()
    done = ada.post(f"/project/{project.pk}/streams/{row.pk}/delete", {"confirm": "1"})
    assert done.status_code == 302 and not ReleaseStream.objects.exists()


def test_another_projects_definition_is_not_found(ada, project):
    ada.post(f"/project/{project.pk}/streams", {"name": "LTS", "pattern": r"^18\."})
    row = ReleaseStream.objects.get()
    other = ProjectFactory()
    assert ada.get(f"/project/{other.pk}/streams/{row.pk}").status_code == 404
    assert (
        ada.post(f"/project/{other.pk}/streams/{row.pk}/delete", {"confirm": "1"}).status_code
        == 404
    )
    assert ReleaseStream.objects.exists()


def test_archived_projects_have_no_streams_page(ada, project):
    project.archived = True
    project.save()
    assert ada.get(f"/project/{project.pk}/streams").status_code == 404
    assert (
        ada.post(f"/project/{project.pk}/streams", {"name": "LTS", "pattern": "^1"}).status_code
        == 404
    )
    assert not ReleaseStream.objects.exists()


def test_one_detected_stream_shows_no_table_but_one_defined_stream_does(ada):
    project = ProjectFactory(version_scheme="Semantic")
    for raw in ("1.0.0", "1.1.0"):
        ProjectVersionFactory(project=project, version=raw)
    page = ada.get(f"/project/{project.pk}/").content.decode()
    assert "streams-title" not in page
    assert f'href="/project/{project.pk}/streams"' in page  # a link for people who may edit
    ada.post(f"/project/{project.pk}/streams", {"name": "Stable", "pattern": r"^1\."})
    table = _table(ada.get(f"/project/{project.pk}/").content.decode())
    assert "Stable" in table
