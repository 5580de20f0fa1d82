"""The npmjs backend: registry.npmjs.org package documents and the replication change feed."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, Release
from backends.http import HttpClient, HttpConfig
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

URL = "https://registry.npmjs.org/foo"
FEED = "https://replicate.npmjs.com/_changes?descending=true&limit=100"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://www.npmjs.com/package/foo", "backend": "npmjs"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("npmjs").fetch(project, client or HttpClient())


@pytest.mark.parametrize(
    "case", recording_cases("npmjs.json") + recording_cases("npmjs-release-lines.json")
)
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)) == (
            "No versions found at https://registry.npmjs.org/non-existent-package-that-does-not-exist"
        )
        return
    releases = fetch_recording(case)
    assert_matches_recording(case, releases)
    # The full document's `time` dates every version.
    assert all(release.published_at is not None for release in releases)


def test_version_url_escapes_the_scope_separator():
    backend = get_backend("npmjs")

    assert (
        backend.version_url(spec(name="@babel/core")) == "https://registry.npmjs.org/@babel%2Fcore"
    )
    assert backend.version_url(spec(name="left-pad")) == "https://registry.npmjs.org/left-pad"
    assert set(backend.fields) == {"name"}


def test_scoped_package(mock_http):
    mock_http.get(
        "https://registry.npmjs.org/@scope%2Fpkg",
        json={
            "name": "@scope/pkg",
            "versions": {"1.0.0": {}, "1.1.0-beta.1": {}},
            "time": {"created": "2020-01-01T00:00:00Z", "1.0.0": "2020-01-02T03:04:05.006Z"},
        },
    )

    releases = fetch(spec(name="@scope/pkg"))

    assert releases == [
        Release("1.0.0", published_at=dt.datetime(2020, 1, 2, 3, 4, 5, 6000, tzinfo=dt.UTC)),
        Release("1.1.0-beta.1"),
    ]


def test_a_document_too_big_for_the_cap_is_read_abbreviated(mock_http):
    full = {"versions": {"1.0.0": {"readme": "x" * 2000}}, "time": {"1.0.0": "2020-01-01"}}
    mock_http.get(URL, json=full)
    mock_http.get(URL, json={"name": "foo", "versions": {"1.0.0": {}, "1.0.1": {}}})
    client = HttpClient(config=HttpConfig(max_response_bytes=1000))

    assert [r.version for r in fetch(spec(), client)] == ["1.0.0", "1.0.1"]

    assert "application/vnd.npm.install-v1+json" in mock_http.calls[1].request.headers["Accept"]
    assert "install-v1" not in mock_http.calls[0].request.headers.get("Accept", "")


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, '{"error":"not_found","reason":"document not found"}', BackendError, "No versions"),
        (200, '{"name":"foo","time":{"unpublished":{}}}', BackendError, "No versions found"),
        (200, '{"versions": []}', BackendError, "No versions found"),
    ],
    ids=["error-key", "unpublished", "versions-not-an-object"],
)
def test_unexpected_answers_are_readable_errors(mock_http, status, body, error, message):
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec()))
    assert message in str(failure)


def test_feed_reads_versions_from_embedded_documents(mock_http):
    changes = {
        "results": [
            {
                "seq": 3,
                "id": "left-pad",
                "doc": {
                    "name": "left-pad",
                    "dist-tags": {"latest": "1.3.0"},
                    "homepage": "https://github.com/left-pad/left-pad",
                },
            },
            {"seq": 2, "id": "@s/p", "doc": {"dist-tags": {"latest": "0.1.0"}}},
            {"seq": 1, "id": "no-doc", "changes": [{"rev": "1-a"}]},
            {"seq": 0, "id": "gone", "deleted": True, "doc": {"dist-tags": {"latest": "1"}}},
            {"id": "bad-tags", "doc": {"dist-tags": ["1.0"]}},
            "junk",
        ],
        "last_seq": 3,
    }
    mock_http.get(FEED, json=changes)

    entries = get_backend("npmjs").check_feed(HttpClient())

    assert entries == [
        FeedEntry("left-pad", "1.3.0", "https://github.com/left-pad/left-pad"),
        FeedEntry("@s/p", "0.1.0", "https://www.npmjs.com/package/@s/p"),
    ]


@pytest.mark.parametrize(
    ("status", "body"), [(200, '{"results": null}'), (200, "{"), (503, "")], ids=str
)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("npmjs").check_feed(HttpClient())
