"""The crates.io backend: the versions API and the summary of recently updated crates."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

URL = "https://crates.io/api/v1/crates/foo/versions"
FEED = "https://crates.io/api/v1/summary"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://crates.io/crates/foo", "backend": "crates.io"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("crates.io").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("crates-io.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)) == (
            'No crate "pleasedontmakethisprojectitllbreakmytests" on crates.io: '
            "https://crates.io/api/v1/crates/pleasedontmakethisprojectitllbreakmytests/versions"
        )
        return
    releases = fetch_recording(case)
    assert_matches_recording(case, releases)
    assert releases[0].published_at == dt.datetime(2017, 1, 26, 5, 2, 29, tzinfo=dt.UTC)


def test_version_url_and_fields():
    backend = get_backend("crates.io")

    assert backend.version_url(spec(name="serde_json")) == (
        "https://crates.io/api/v1/crates/serde_json/versions"
    )
    assert set(backend.fields) == {"name"}


def test_yanked_versions_are_flagged_withdrawn(mock_http):
    mock_http.get(
        URL,
        json={
            "versions": [
                {"num": "1.0.1", "yanked": True, "created_at": "2020-02-01T00:00:00Z"},
                {"num": "1.0.0", "yanked": False, "created_at": "2020-01-01T00:00:00.5+00:00"},
                {"num": "0.9.0", "created_at": "not a date"},
                {"num": 7},
                None,
            ]
        },
    )

    # A yanked version is reported, flagged: never stored as new, a stored one withdrawn.
    assert fetch(spec()) == [
        Release("1.0.1", published_at=dt.datetime(2020, 2, 1, tzinfo=dt.UTC), withdrawn=True),
        Release("1.0.0", published_at=dt.datetime(2020, 1, 1, 0, 0, 0, 500000, tzinfo=dt.UTC)),
        Release("0.9.0"),
    ]


def test_pages_are_followed_and_only_the_first_is_conditional(mock_http):
    mock_http.get(
        URL,
        json={
            "versions": [{"num": "2.0.0"}],
            "meta": {"total": 2, "next_page": "?per_page=1&seek=abc"},
        },
    )
    mock_http.get(
        URL + "?per_page=1&seek=abc",
        json={"versions": [{"num": "1.0.0"}], "meta": {"total": 2, "next_page": None}},
    )

    versions = [r.version for r in fetch(spec(), HttpClient(etag='"e"'))]

    assert versions == ["2.0.0", "1.0.0"]
    assert mock_http.calls[0].request.headers["If-None-Match"] == '"e"'
    assert "If-None-Match" not in mock_http.calls[1].request.headers


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, '{"errors":[{"detail":"crate is hidden"}]}', BackendError, "crate is hidden"),
        (200, '{"versions": {"num": "1.0"}}', BackendError, "no list of versions"),
        (200, "[]", BackendError, "not a JSON object"),
    ],
    ids=["errors", "versions-not-a-list", "not-an-object"],
)
def test_unexpected_answers_are_readable_errors(mock_http, status, body, error, message):
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec()))
    assert message in str(failure)


def test_feed_lists_updated_and_new_crates(mock_http):
    summary = {
        "just_updated": [
            {"id": "serde", "name": "serde", "newest_version": "1.0.200", "max_version": "1.0.200"},
            {"id": "tokio", "name": "tokio", "max_version": "1.37.0"},
            {"id": "nover", "name": "nover"},
            "junk",
        ],
        "new_crates": [
            {"id": "brand-new", "name": "brand-new", "newest_version": "0.1.0"},
            {"id": "serde", "name": "serde", "newest_version": "1.0.200"},
        ],
        "most_downloaded": [{"id": "rand", "name": "rand", "newest_version": "0.8.5"}],
    }
    mock_http.get(FEED, json=summary)

    entries = get_backend("crates.io").check_feed(HttpClient())

    assert entries == [
        FeedEntry("serde", "1.0.200", "https://crates.io/crates/serde"),
        FeedEntry("tokio", "1.37.0", "https://crates.io/crates/tokio"),
        FeedEntry("brand-new", "0.1.0", "https://crates.io/crates/brand-new"),
    ]


@pytest.mark.parametrize(
    ("status", "body"), [(200, '{"num_crates": 1}'), (200, "[]"), (502, "")], ids=str
)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("crates.io").check_feed(HttpClient())
