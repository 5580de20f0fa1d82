"""The API's fast Project JSON is ``Project.as_json`` exactly, and its caches never serve a
project older than its last recorded change."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from projects import representations
from projects.models import Project
from projects.representations import RawJSON, fragment_cache
from tests.factories import (
    DistroFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
)

pytestmark = pytest.mark.django_db

CASES = [
    ({}, ["1.0", "1.10", "1.2", "1.2-rc1", "2.0-beta", "0.9"]),
    ({"version_prefix": "v;release-"}, ["v1.0", "release-1.1", "v1.1", "2.0"]),
    ({"pre_release_filter": "odd;!odds"}, ["1.0", "1.1", "1.2-odd", "2.3.0"]),
    ({"version_filter": "nightly; "}, ["1.0", "1.1-nightly", "2.0"]),
    ({"version_scheme": "Semantic"}, ["1.0.0", "1.0.0-rc.1", "1.10.0", "not-semver"]),
    ({"version_scheme": "Python (PEP 440)"}, ["1.0", "1.0rc1", "1.0.post1", "1.0-RC2", "x"]),
    (
        {"version_scheme": "Calendar", "version_pattern": "YYYY.MM.DD"},
        ["2024.1.15", "2024.10.2", "2023.12.31", "bad"],
    ),
    ({"backend": "PyPI", "homepage": "https://pypi.org/project/x"}, ["1.0a1", "1.0", "0.9"]),
    ({}, []),
]


@pytest.mark.parametrize(("fields", "raws"), CASES)
def test_project_json_is_as_json(fields, raws):
    project = ProjectFactory(latest_version="1.0", regex="x-(.*)", **fields)
    for raw in raws:
        ProjectVersionFactory(project=project, version=raw)
    PackageFactory(project=project, distro=DistroFactory(name="b"), package_name="z")
    PackageFactory(project=project, distro=DistroFactory(name="A"), package_name="y")
    project = Project.objects.get(pk=project.pk)

    assert representations.detailed_json(project.pk) == project.as_json(detailed=True)
    stamps = representations.stamps_of([project.pk])
    (fragment,) = representations.fragments(stamps)
    assert fragment == representations.dumps(project.as_json())
    extended = representations.instance_json(project, extended=True)
    assert {key: extended[key] for key in project.as_json()} == project.as_json()
    stable = project.stable_version_strings
    assert extended["latest_stable_version"] == (stable[0] if stable else None)


def test_a_recorded_change_rebuilds_the_fragment():
    project = ProjectFactory(name="tool")

    def shown() -> list[list[str]]:
        stamps = representations.stamps_of([project.pk])
        return [json.loads(text)["versions"] for text in representations.fragments(stamps)]

    assert shown() == [[]]
    ProjectVersionFactory(project=project, version="1.0")
    assert shown() == [[]]  # not recorded through a service: the old fragment stays...
    Project.objects.filter(pk=project.pk).update(
        updated_on=project.updated_on + dt.timedelta(microseconds=1)
    )
    assert shown() == [["1.0"]]  # ...until the project's change stamp moves


def test_fragments_expire(monkeypatch):
    project = ProjectFactory(name="tool")
    stamps = representations.stamps_of([project.pk])
    representations.fragments(stamps)
    ProjectVersionFactory(project=project, version="1.0")
    monkeypatch.setattr(fragment_cache, "FRAGMENT_TTL", -1.0)
    representations.clear_caches()
    representations.fragments(stamps)  # built with a TTL already past
    (fragment,) = representations.fragments(stamps)
    assert '"1.0"' in fragment


def test_a_deleted_project_is_left_out():
    project = ProjectFactory()
    stamps = representations.stamps_of([project.pk])
    project.delete()
    assert representations.fragments(stamps) == []


def test_whole_answers_hold_for_one_catalogue_generation():
    answers = representations.Answers(ttl=60)
    answers.put(("k",), 7, RawJSON("old"))
    assert answers.get(("k",), 7).content == b"old"
    assert answers.get(("k",), 8) is None
    answers.put(("k",), None, RawJSON("in a transaction"))  # never kept
    assert answers.get(("k",), None) is None


def test_whole_answers_expire_and_are_bounded():
    answers = representations.Answers(ttl=0, max_bytes=10)
    answers.put(("k",), 1, RawJSON("text"))
    assert answers.get(("k",), 1) is None
    answers = representations.Answers(ttl=60, max_bytes=10)
    answers.put(("a",), 1, RawJSON("123456"))
    answers.put(("b",), 1, RawJSON("123456"))  # pushes "a" out
    assert answers.get(("a",), 1) is None
    assert answers.get(("b",), 1).content == b"123456"
    answers.put(("c",), 1, RawJSON("x" * 11))  # too big to keep
    assert answers.get(("c",), 1) is None


@pytest.mark.django_db(transaction=True)
def test_a_cached_answer_keeps_its_etag():
    ProjectFactory()
    first = representations.catalogue_answer(("k",), lambda: "[1]")
    again = representations.catalogue_answer(("k",), lambda: "[2]")
    assert again is first
    assert first.etag == representations.etag_of(b"[1]")
