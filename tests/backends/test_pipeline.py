"""preview(): fetch -> strip prefixes -> filter -> dedupe -> order -> mark pre-releases."""

from __future__ import annotations

import datetime as dt

import pytest

from backends import pipeline, registry
from backends.base import Backend, BackendError, NotModified, ProjectSpec, Release


class FakeBackend(Backend):
    name = "fake"

    def __init__(self, answer):
        self.answer = answer
        self.calls = 0

    def fetch(self, spec, http):
        self.calls += 1
        if isinstance(self.answer, BaseException):
            raise self.answer
        http.etag = '"new-etag"'
        return [Release(v) if isinstance(v, str) else v for v in self.answer]


@pytest.fixture
def upstream(monkeypatch):
    def serve(answer):
        backend = FakeBackend(answer)
        monkeypatch.setattr(registry, "get_backend", lambda name: backend)
        return backend

    return serve


def spec(**fields) -> ProjectSpec:
    return ProjectSpec(
        **{"name": "demo", "homepage": "https://example.org", "backend": "custom", **fields}
    )


def test_versions_are_ordered_oldest_first_and_new_ones_found_newest_first(upstream):
    upstream(["1.10", "1.2", "v1.9", "2.0-rc1"])
    result = pipeline.preview(spec())
    assert [v.parsed for v in result.versions] == ["1.2", "1.9", "1.10", "2.0-rc1"]
    assert result.found_versions == ["2.0-rc1", "1.10", "1.9", "1.2"]
    assert result.latest_version == "2.0-rc1"
    assert [v.prerelease for v in result.versions] == [False, False, False, True]
    assert result.scheme == "RPM"


def test_prefixes_are_stripped_but_raw_strings_kept(upstream):
    upstream(["release-1.0", "release-v1.1"])
    result = pipeline.preview(spec(version_prefix="rel;release-"))
    assert [(v.raw, v.parsed) for v in result.versions] == [
        ("release-1.0", "1.0"),
        ("release-v1.1", "1.1"),
    ]


def test_same_string_after_stripping_is_one_version(upstream):
    upstream(["v1.0", "1.0", "1.0-rc1", "1.0-rc1-1"])
    result = pipeline.preview(spec())
    parsed = [v.parsed for v in result.versions]
    assert parsed.count("1.0") == 1
    assert "1.0-rc1" in parsed and "1.0-rc1-1" in parsed


def test_filtered_empty_and_overlong_versions_are_dropped(upstream):
    upstream(["1.0", "", "   ", "1.1-nightly", "x" * 50, "y" * 49])
    result = pipeline.preview(spec(version_filter="nightly"))
    assert [v.raw for v in result.versions] == ["y" * 49, "1.0"]  # letters sort below digits
    assert any("too long" in note for note in result.skipped)


def test_only_versions_not_stored_are_new(upstream):
    upstream(["1.0", "v1.1", "1.2"])
    result = pipeline.preview(spec(stored_versions=("1.0", "1.1")))
    assert [v.parsed for v in result.new_versions] == ["1.2"]
    assert result.latest_version == "1.2"


def test_latest_version_counts_stored_versions_but_not_filtered_ones(upstream):
    upstream(["1.0"])
    result = pipeline.preview(
        spec(stored_versions=("3.0-beta", "2.0", "1.0"), version_filter="beta")
    )
    assert result.new_versions == ()
    assert result.latest_version == "2.0"


def test_no_versions_at_all_leaves_latest_unknown(upstream):
    upstream([])
    assert pipeline.preview(spec()).latest_version is None


def test_commit_url_and_publication_time_travel_with_the_version(upstream):
    when = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    upstream([Release("v2.0", commit_url="https://example.org/c/abc", published_at=when)])
    (found,) = pipeline.preview(spec()).versions
    assert found.commit_url == "https://example.org/c/abc"
    assert found.published_at == when


def test_not_modified_is_success_with_nothing_new(upstream):
    upstream(NotModified())
    result = pipeline.preview(spec(etag='"old"', stored_versions=("1.0",)))
    assert result.not_modified
    assert result.versions == ()
    assert result.latest_version == "1.0"
    assert result.etag == '"old"'


def test_new_validators_are_returned_for_the_next_check(upstream):
    upstream(["1.0"])
    assert pipeline.preview(spec(etag='"old"')).etag == '"new-etag"'


def test_backend_errors_propagate_with_their_message(upstream):
    upstream(BackendError("demo: no upstream version found."))
    with pytest.raises(BackendError, match="no upstream version found"):
        pipeline.preview(spec())


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(BackendError, match='No backend was found for "Nope"'):
        pipeline.preview(spec(backend="Nope"))


def test_unknown_version_scheme_is_a_clear_error(upstream):
    upstream(["1.0"])
    with pytest.raises(BackendError, match="No version scheme was found"):
        pipeline.preview(spec(version_scheme="Roman numerals"))


def test_project_scheme_orders_versions(upstream):
    upstream(["1.0", "1.0rc1", "1.0.post1", "0.9"])
    result = pipeline.preview(spec(version_scheme="Python (PEP 440)"))
    assert [v.parsed for v in result.versions] == ["0.9", "1.0rc1", "1.0", "1.0.post1"]
