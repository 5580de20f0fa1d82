"""The Hackage backend: a package's hackage.haskell.org page, read with the default regex."""

from __future__ import annotations

import pytest
import requests

from backends.base import BackendError, NotModified, ProjectSpec, RateLimited, Release
from backends.http import HttpClient, HttpConfig
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
    upstream_failure,
)

URL = "https://hackage.haskell.org/package/foo-bar"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo-bar", "homepage": URL, "backend": "Hackage"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Hackage").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("hackage.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        with pytest.raises(BackendError, match="answered HTTP 404"):
            fetch_recording(case)
        return
    assert_matches_recording(case, fetch_recording(case))


def test_version_url_and_fields():
    backend = get_backend("Hackage")

    assert backend.version_url(spec()) == URL
    assert set(backend.fields) == {"name"}


def test_the_default_regex_finds_the_source_archive(mock_http):
    page = (
        '<a href="/package/foo-bar-1.2.0.1/foo-bar-1.2.0.1.tar.gz">foo-bar-1.2.0.1.tar.gz</a>'
        '<a href="/package/foo-bar-baz-3.0/foo-bar-baz-3.0.tar.gz">another package</a>'
    )
    mock_http.get(URL, body=page)

    assert [r.version for r in fetch(spec())] == ["1.2.0.1"]


def test_the_request_is_conditional(mock_http):
    mock_http.get(URL, status=304)

    with pytest.raises(NotModified):
        fetch(spec(), HttpClient(etag='"e"'))


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (404, "Not Found", BackendError, f"{URL} answered HTTP 404"),
        (503, "", BackendError, "answered HTTP 503"),
        (200, "<html><a href='foo-bar-", BackendError, "foo-bar: no upstream version found."),
        (200, "", BackendError, "no upstream version found"),
        (200, "foo-bar-1.0.tar.gz " * 100, BackendError, "more than"),
        (429, "", RateLimited, "Rate limit"),
    ],
    ids=["404", "503", "malformed", "empty", "oversized", "429"],
)
def test_upstream_failures_are_readable_errors(mock_http, status, body, error, message):
    client = HttpClient(config=HttpConfig(max_response_bytes=1000))
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec(), client))
    assert message in str(failure)


def test_a_timeout_is_a_readable_error(mock_http):
    mock_http.get(URL, body=requests.exceptions.ConnectTimeout())

    with pytest.raises(BackendError, match="timed out"):
        fetch(spec())
