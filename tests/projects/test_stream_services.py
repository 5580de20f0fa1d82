"""Writing hand-defined release streams (projects/services/streams.py), the messages they
send, and the stream each new version is announced with."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import warnings

import pytest

from backends import registry
from backends.base import Backend, Release
from messaging.models import OutboxMessage
from projects import check, services
from projects.models import AuditEntry, Project, ReleaseStream
from projects.selectors.streams import project_streams
from projects.services import InvalidInput, ProjectArchived, StreamFields
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def schema_valid(topic: str, body: dict) -> None:
    """Raise unless ``body`` is valid for anitya-schema's class of ``topic``."""
    (entry_point,) = importlib.metadata.entry_points(
        group="fedora.messages", name=f"anitya.{topic}"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated v1 classes warn when built
        entry_point.load()(body=body).validate()


def node_like(**fields) -> Project:
    """Node-like lines: 18 and 20 (LTS) and 21 (current), released in parallel."""
    project = ProjectFactory(name="node", version_scheme="Semantic", **fields)
    for raw, day in [("v18.0.0", 0), ("v20.0.0", 360), ("v21.0.0", 540), ("v18.20.0", 600)]:
        ProjectVersionFactory(project=project, version=raw, created_on=DAY + dt.timedelta(day))
    return Project.objects.get(pk=project.pk)


def names(project: Project) -> list[tuple[str, bool, int]]:
    fresh = Project.objects.get(pk=project.pk)
    return [(s.name, s.defined, len(s.versions)) for s in project_streams(fresh)]


def test_a_definition_takes_its_versions_announces_the_edit_and_moves_the_stamp():
    project = node_like()
    before = project.updated_on
    row = services.stream_create(project, StreamFields("LTS", r"^(18|20)\."), agent="ada")
    assert (row.name, row.position) == ("LTS", 0)
    assert names(project) == [("LTS", True, 3), ("21", False, 1)]
    assert Project.objects.get(pk=project.pk).updated_on > before
    message = OutboxMessage.objects.get()
    assert message.topic == "project.edit"
    assert message.body["message"]["fields"] == ["release_streams"]
    assert message.body["message"]["changes"] == {
        "release_streams": {
            "old": [],
            "new": [{"name": "LTS", "pattern": r"^(18|20)\.", "end_of_life": None}],
        }
    }
    schema_valid("project.edit", message.body)


def test_edit_and_delete_announce_before_and_after():
    project = node_like()
    row = services.stream_create(project, StreamFields("LTS", r"^18\."), agent="ada")
    services.stream_edit(row, StreamFields(" LTS ", r"^18\.", dt.date(2025, 4, 30)), agent="bob")
    row.refresh_from_db()
    assert (row.name, row.end_of_life) == ("LTS", dt.date(2025, 4, 30))
    edited = OutboxMessage.objects.order_by("id").last().body
    assert edited["message"]["agent"] == "bob"
    assert edited["message"]["changes"]["release_streams"]["new"][0]["end_of_life"] == (
        "2025-04-30"
    )
    schema_valid("project.edit", edited)
    services.stream_delete(row, agent="ada")
    assert not ReleaseStream.objects.exists()
    assert names(project) == [("21", False, 1), ("20", False, 1), ("18", False, 2)]
    removed = OutboxMessage.objects.order_by("id").last().body["message"]["changes"]
    assert removed["release_streams"]["new"] == []


def test_an_edit_that_changes_nothing_sends_nothing():
    project = node_like()
    row = services.stream_create(project, StreamFields("LTS", r"^18\."), agent="ada")
    services.stream_edit(row, StreamFields("LTS", r"^18\."), agent="ada")
    assert OutboxMessage.objects.count() == 1


def test_a_detected_stream_is_marked_end_of_life_with_an_empty_pattern():
    project = node_like()
    services.stream_create(project, StreamFields("18", "", dt.date(2025, 4, 30)), agent="ada")
    streams = project_streams(Project.objects.get(pk=project.pk))
    assert [(s.name, s.end_of_life) for s in streams] == [
        ("21", None),
        ("20", None),
        ("18", dt.date(2025, 4, 30)),
    ]


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        (StreamFields("", r"^1"), "name", "Give the stream a name."),
        (StreamFields("L" * 41, r"^1"), "name", "At most 40 characters."),
        (StreamFields("bad\tname", r"^1"), "name", "printable"),
        (StreamFields("20", r"^20\."), "name", "how a detected stream is named"),
        (StreamFields("LTS", ""), "name", "Without a pattern"),
        (StreamFields("20", ""), "end_of_life", "give the date"),
        (StreamFields("LTS", "(unclosed"), "pattern", "Invalid regular expression"),
        (StreamFields("LTS", "x" * 513), "pattern", "At most 512 characters."),
        (StreamFields("LTS", "((a{1000}){1000}){1000}"), "pattern", "too large"),
        (StreamFields("LTS", r"^1", position=5000), "position", "Between 0 and 1000."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(fields, field, says):
    project = node_like()
    with pytest.raises(InvalidInput) as refused:
        services.stream_create(project, fields, agent="ada")
    assert says in refused.value.errors[field]
    assert not ReleaseStream.objects.exists() and not OutboxMessage.objects.exists()
    assert not AuditEntry.objects.exists()


def test_names_are_unique_per_project_ignoring_case():
    project = node_like()
    services.stream_create(project, StreamFields("LTS", r"^18\."), agent="ada")
    with pytest.raises(InvalidInput, match="already has a stream named 'lts'"):
        services.stream_create(project, StreamFields("lts", r"^20\."), agent="ada")
    other = node_like(homepage="https://elsewhere.example/")
    services.stream_create(other, StreamFields("lts", r"^20\."), agent="ada")  # another project


def test_a_pattern_that_backtracks_on_the_projects_versions_is_refused(settings):
    settings.REGEX_TIMEOUT = 0.05
    project = ProjectFactory(version_scheme="RPM")
    ProjectVersionFactory(project=project, version="1" * 45)
    with pytest.raises(InvalidInput) as refused:
        services.stream_create(project, StreamFields("slow", r"(1|11)+2"), agent="ada")
    assert "took too long" in refused.value.errors["pattern"]


def test_archived_projects_refuse_every_stream_write():
    project = node_like()
    row = services.stream_create(project, StreamFields("LTS", r"^18\."), agent="ada")
    Project.objects.filter(pk=project.pk).update(archived=True)
    with pytest.raises(ProjectArchived):
        services.stream_create(project, StreamFields("Other LTS", r"^20\."), agent="ada")
    with pytest.raises(ProjectArchived):
        services.stream_edit(row, StreamFields("LTS", r"^20\."), agent="ada")
    with pytest.raises(ProjectArchived):
        services.stream_delete(row, agent="ada")
    assert list(ReleaseStream.objects.values_list("pattern", flat=True)) == [r"^18\."]


def test_definitions_are_tried_in_their_order():
    project = node_like()
    services.stream_create(project, StreamFields("All", r"^\d"), agent="ada")
    services.stream_create(project, StreamFields("LTS", r"^18\.", position=0), agent="ada")
    # Same position: the older definition first, so "All" takes everything.
    assert names(project) == [("All", True, 4)]
    row = ReleaseStream.objects.get(name="All")
    services.stream_edit(row, StreamFields("All", r"^\d", position=7), agent="ada")
    assert names(project) == [("LTS", True, 2), ("All", True, 2)]


# -- the stream of each new version, in the version messages ----------------------------------


class Scripted(Backend):
    name = "custom"

    def __init__(self, versions):
        self.versions = versions

    def fetch(self, spec, http):
        return [Release(v) for v in self.versions]


def test_a_check_announces_the_stream_of_each_new_version(monkeypatch):
    project = node_like()
    services.stream_create(project, StreamFields("LTS", r"^(18|20)\."), agent="ada")
    found = ["v18.0.0", "v20.0.0", "v21.0.0", "v18.20.0", "v20.1.0", "v22.0.0"]
    monkeypatch.setattr(registry, "get_backend", lambda name: Scripted(found))
    result = check.check_project(Project.objects.get(pk=project.pk))
    assert result.new_versions == ("20.1.0", "22.0.0")
    bodies = {
        row.topic: row.body
        for row in OutboxMessage.objects.filter(topic__startswith="project.version.update")
    }
    for topic, body in bodies.items():
        assert body["message"]["streams"] == {"20.1.0": "LTS", "22.0.0": "22"}
        schema_valid(topic, body)
    assert set(bodies) == {"project.version.update", "project.version.update.v2"}


def test_replacing_the_definitions_keeps_their_order_announces_and_logs_once():
    project = node_like()
    services.stream_create(project, StreamFields("LTS", r"^(18|20)\."), agent="ada")
    OutboxMessage.objects.all().delete()
    wanted = [StreamFields("Old", r"^18\.", dt.date(2025, 4, 30)), StreamFields("LTS", r"^20\.")]

    assert services.replace_definitions(project, wanted, agent="bob")

    assert names(project) == [("Old", True, 2), ("LTS", True, 1), ("21", False, 1)]
    message = OutboxMessage.objects.get()
    assert [
        item["name"] for item in message.body["message"]["changes"]["release_streams"]["new"]
    ] == [
        "Old",
        "LTS",
    ]
    schema_valid("project.edit", message.body)
    entry = AuditEntry.objects.filter(project_id=project.pk).latest("pk")
    assert (entry.agent, entry.after["release_streams"][0]["end_of_life"]) == ("bob", "2025-04-30")
    # The same definitions again change nothing and say nothing.
    assert not services.replace_definitions(project, wanted, agent="bob")
    assert OutboxMessage.objects.count() == 1


def test_replacing_with_a_bad_definition_changes_nothing():
    project = node_like()
    services.stream_create(project, StreamFields("LTS", r"^18\."), agent="ada")
    with pytest.raises(InvalidInput) as refused:
        services.replace_definitions(project, [StreamFields("LTS", "(")], agent="bob")
    assert "Stream 'LTS'" in refused.value.errors["release_streams"]
    assert [row.pattern for row in project.release_streams.all()] == [r"^18\."]
