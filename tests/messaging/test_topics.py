"""Every topic's body is Anitya's: the exact keys, and valid for its anitya-schema class."""

from __future__ import annotations

import importlib.metadata
import warnings

import pytest

from messaging import topics
from messaging.outbox import build_headers
from projects import messages
from tests.messaging.conftest import every_topic


def schema_class(topic: str):
    """The class anitya-schema registers for ``topic`` (entry point ``anitya.<topic>``)."""
    (entry_point,) = importlib.metadata.entry_points(
        group="fedora.messages", name=f"anitya.{topic}"
    )
    return entry_point.load()


def schema_message(message: topics.Message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated v1 classes warn when built
        return schema_class(message.topic)(body=message.body)


def test_there_are_fifteen_topics_each_with_a_schema_class():
    assert len(topics.TOPICS) == len(set(topics.TOPICS)) == 15
    for topic in topics.TOPICS:
        assert schema_class(topic).topic.endswith(f".anitya.{topic}")


def test_every_body_validates_against_its_schema_class(sample):
    for message in every_topic(sample):
        schema_message(message).validate()  # raises jsonschema.ValidationError


def test_every_body_has_the_three_top_level_keys(sample):
    for message in every_topic(sample):
        assert set(message.body) == {"project", "distro", "message"}
        assert isinstance(message.body["message"]["agent"], str)


def test_headers_are_the_ones_fedora_messaging_builds(sample):
    for message in every_topic(sample):
        expected = dict(schema_message(message)._headers)
        ours = build_headers(message)
        assert ours.keys() == expected.keys(), message.topic
        del expected["sent-at"], ours["sent-at"]
        assert ours == expected, message.topic


def test_project_add_body(sample):
    project = sample.project
    body = messages.project_add(project, "alice").body
    assert body == {
        "project": project.as_json(),
        "distro": None,
        "message": {"agent": "alice", "project": "requests"},
    }
    assert body["project"]["versions"] == ["2.32.0", "2.32.0rc1", "2.31.0"]
    assert body["project"]["version"] == "2.32.0"


def test_project_edit_lists_fields_and_changes(sample):
    changes = {"name": ("old", "requests"), "archived": {"old": False, "new": True}}
    message = messages.project_edit(sample.project, "alice", changes)
    assert message.body["message"] == {
        "agent": "alice",
        "project": "requests",
        "fields": ["name", "archived"],
        "changes": {
            "name": {"old": "old", "new": "requests"},
            "archived": {"old": False, "new": True},
        },
    }
    with pytest.raises(ValueError, match="at least one change"):
        messages.project_edit(sample.project, "alice", {})


def test_flag_bodies(sample):
    flag = sample.flag
    body = messages.project_flag(flag, "bob").body
    assert body["message"] == {
        "agent": "bob",
        "project": "requests",
        "reason": "Duplicate of python-requests",
        "packages": [
            {"distro": "Debian", "package_name": "requests"},
            {"distro": "Fedora", "package_name": "python-requests"},
        ],
    }
    assert messages.flag_set(flag, "admin").body == {
        "project": None,
        "distro": None,
        "message": {"agent": "admin", "flag": flag.pk, "state": "open"},
    }


def test_mapping_bodies(sample):
    package = sample.package
    new = messages.map_new(package, "alice").body
    assert new["distro"] == {"name": "Fedora"}
    assert new["message"] == {
        "agent": "alice",
        "project": "requests",
        "distro": "Fedora",
        "new": "python-requests",
    }
    update = messages.map_update(package, "alice", "requests", ["package_name"]).body
    assert update["message"]["prev"] == "requests"
    assert update["message"]["edited"] == ["package_name"]
    removed = messages.map_remove(package, "admin").body
    assert removed["distro"] is None
    assert removed["message"] == {"agent": "admin", "project": "requests", "distro": "Fedora"}


def test_version_update_returns_v1_then_v2(sample):
    project = sample.project
    v1, v2 = messages.version_update(
        project, upstream_version="2.32.0", old_version=None, upstream_versions=["2.32.0"]
    )
    assert (v1.topic, v2.topic) == ("project.version.update", "project.version.update.v2")
    packages = [
        {"distro": "Debian", "package_name": "requests"},
        {"distro": "Fedora", "package_name": "python-requests"},
    ]
    assert v1.body["message"] == {
        "project": project.as_json(),
        "upstream_version": "2.32.0",
        "old_version": "",
        "packages": packages,
        "versions": ["2.32.0", "2.32.0rc1", "2.31.0"],
        "stable_versions": ["2.32.0", "2.31.0"],
        "ecosystem": project.ecosystem_name,
        "agent": "anitya",
        "odd_change": False,
    }
    assert v2.body["message"]["upstream_versions"] == ["2.32.0"]
    assert "upstream_version" not in v2.body["message"]
    assert "odd_change" not in v2.body["message"]
    assert v2.body["project"] == v1.body["project"] == project.as_json()


def test_version_update_sees_versions_added_after_the_project_was_read(sample):
    project = sample.project
    assert project.version_strings[0] == "2.32.0"  # caches the sorted versions
    project.versions.create(version="2.33.0")
    _, v2 = messages.version_update(
        project, upstream_version="2.33.0", old_version="2.32.0", upstream_versions=["2.33.0"]
    )
    assert v2.body["message"]["versions"][0] == "2.33.0"


def test_version_remove_bodies(sample):
    body = messages.version_remove_v2(sample.project, ["2.31.0", "2.32.0"], "admin").body
    assert body["message"] == {
        "agent": "admin",
        "project": "requests",
        "versions": ["2.31.0", "2.32.0"],
    }
    body = messages.version_remove(sample.project, "2.31.0", "admin").body
    assert body["message"] == {"agent": "admin", "project": "requests", "version": "2.31.0"}


def test_distro_bodies(sample):
    assert messages.distro_add(sample.fedora, "alice").body == {
        "project": None,
        "distro": {"name": "Fedora"},
        "message": {"agent": "alice", "distro": "Fedora"},
    }
    edit = messages.distro_edit("Fedora", sample.fedora, "admin").body
    assert edit["distro"] == {"name": "Fedora"}
    assert edit["message"] == {"agent": "admin", "old": "Fedora", "new": "Fedora"}
    assert messages.distro_remove("Fedora", "admin").body["message"] == {
        "agent": "admin",
        "distro": "Fedora",
    }


def test_bodies_are_built_from_plain_data_without_the_database():
    """messaging imports no app: the builders need the JSON only, never a model."""
    project = {
        "name": "plain",
        "ecosystem": "https://plain.example",
        "versions": ["1.1", "1.0"],
        "stable_versions": ["1.0"],
    }
    packages = [{"distro": "Fedora", "package_name": "plain"}]
    v1, _ = topics.version_update(
        project, packages, upstream_version="1.1", old_version="1.0", upstream_versions=["1.1"]
    )
    assert v1.body["project"] is project
    assert v1.body["message"]["packages"] == packages
    assert v1.body["message"]["ecosystem"] == "https://plain.example"
    assert topics.map_remove(project, distro="Fedora", agent="ada").body["message"] == {
        "agent": "ada",
        "project": "plain",
        "distro": "Fedora",
    }


def test_unknown_topic_is_refused():
    with pytest.raises(ValueError, match="unknown message topic"):
        topics.Message("project.explode", {})
