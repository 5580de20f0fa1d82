"""An unchanged (304) check keeps the stored latest version without parsing the history, only
while everything that version follows from is as it was when a check worked it out."""

from __future__ import annotations

import dataclasses

import pytest

from backends import latest_basis as basis_module
from backends import pipeline, versions
from backends.base import NotModified
from backends.latest_basis import latest_basis
from tests.backends.test_pipeline import spec, upstream  # noqa: F401 (the fixture)

HISTORY = ("1.0", "v1.1", "2.0-rc1", "2.0", "2.1-beta")


@pytest.fixture
def parses(monkeypatch):
    """How many version strings the check parses."""
    count = {"n": 0}
    make_version = versions.make_version

    def counting(*args, **kwargs):
        count["n"] += 1
        return make_version(*args, **kwargs)

    monkeypatch.setattr(versions, "make_version", counting)
    return count


def checked(project, upstream):  # noqa: F811 (the fixture, passed on)
    """``project`` as a check that found nothing new leaves it: its latest version and digest."""
    upstream(NotModified())
    result = pipeline.preview(project)
    return dataclasses.replace(
        project, latest_version=result.latest_version, latest_basis=result.latest_basis
    )


def test_a_304_with_the_digest_of_the_last_check_parses_nothing_and_answers_the_same(
    upstream,  # noqa: F811
    parses,
):
    project = checked(spec(stored_versions=HISTORY, version_filter="beta"), upstream)
    assert project.latest_version == "2.0" and len(project.latest_basis) == 32
    worked_out = pipeline.preview(dataclasses.replace(project, latest_basis=""))

    parses["n"] = 0
    kept = pipeline.preview(project)
    assert parses["n"] == 0
    assert kept == worked_out  # every field, the digest included


@pytest.mark.parametrize("complete", [True, False], ids=["whole list", "partial list"])
def test_a_200_listing_the_stored_versions_parses_each_listed_string_once(
    upstream,  # noqa: F811
    parses,
    complete,
):
    project = checked(spec(stored_versions=HISTORY, withdrawn_versions=("1.0",)), upstream)
    upstream(HISTORY[1:]).lists_every_version = complete
    parses["n"] = 0
    kept = pipeline.preview(project)
    # The four listed strings once each, and the withdrawn 1.0: is it listed again?
    assert parses["n"] == len(HISTORY)
    assert kept.new_versions == () and kept.latest_basis == project.latest_basis
    upstream(HISTORY[1:]).lists_every_version = complete
    assert kept == pipeline.preview(dataclasses.replace(project, latest_basis=""))


@pytest.mark.parametrize(
    "change",
    [
        {"version_filter": "2.0"},
        {"version_prefix": "v"},
        {"version_scheme": "Semantic"},
        {"pre_release_filter": "rc"},
        {"version_pattern": "YYYY.MM"},
        {"stored_versions": HISTORY[:-2]},
        {"withdrawn_versions": ("2.0",)},
        {"latest_version": "1.0"},
        {"ecosystem_name": "go"},  # its default scheme: Semantic
    ],
    ids=lambda change: next(iter(change)),
)
def test_anything_the_latest_version_follows_from_changed_behind_the_checks_back_is_seen(
    upstream,  # noqa: F811
    parses,
    change,
):
    project = checked(spec(stored_versions=HISTORY, version_filter="beta"), upstream)
    changed = dataclasses.replace(project, **change)
    upstream(NotModified())
    parses["n"] = 0
    result = pipeline.preview(changed)
    assert parses["n"] > 0
    assert result == pipeline.preview(dataclasses.replace(changed, latest_basis=""))
    assert result.latest_basis == latest_basis(changed, result.scheme, result.latest_version)


def test_the_digest_ignores_the_order_the_database_returns_the_versions_in():
    project = spec(stored_versions=HISTORY, withdrawn_versions=("1.0", "2.0"))
    shuffled = dataclasses.replace(
        project, stored_versions=HISTORY[::-1], withdrawn_versions=("2.0", "1.0")
    )
    assert latest_basis(project, "RPM", "2.1") == latest_basis(shuffled, "RPM", "2.1")


def test_new_code_for_parsing_or_ordering_versions_invalidates_every_digest(monkeypatch):
    project = spec(stored_versions=HISTORY)
    before = latest_basis(project, "RPM", "2.1")
    monkeypatch.setattr(basis_module, "_code_revision", lambda: b"the next release")
    assert latest_basis(project, "RPM", "2.1") != before


def test_the_code_revision_follows_the_version_schemes_source(tmp_path, monkeypatch):
    (tmp_path / "versions").mkdir()
    source = tmp_path / "versions" / "rpm.py"
    source.write_text("ORDER = 1\n")
    monkeypatch.setattr(basis_module, "_CODE", (tmp_path / "versions",))
    revisions = []
    for text in ("ORDER = 1\n", "ORDER = 2\n"):
        source.write_text(text)
        basis_module._code_revision.cache_clear()
        revisions.append(basis_module._code_revision())
    basis_module._code_revision.cache_clear()
    assert revisions[0] != revisions[1]


def test_a_check_with_new_or_withdrawn_versions_leaves_no_digest(upstream):  # noqa: F811
    upstream(["1.0", "3.0"])
    assert pipeline.preview(spec(stored_versions=("1.0",))).latest_basis == ""
    upstream(["2.0"]).lists_every_version = True  # a whole list without 1.0: it is withdrawn
    assert pipeline.preview(spec(stored_versions=("1.0", "2.0"))).latest_basis == ""
    upstream(["1.0"])
    assert len(pipeline.preview(spec(stored_versions=("1.0",))).latest_basis) == 32
