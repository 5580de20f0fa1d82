"""The Launchpad backend: archives on a project's +download page."""

from __future__ import annotations

import dataclasses

import pytest

from backends.base import BackendError, NotModified, ProjectSpec, RateLimited
from backends.config import current
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
    timeout_param,
    upstream_failure,
)

URL = "https://launchpad.net/foo/+download"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://launchpad.net/foo", "backend": "Launchpad"}
    return ProjectSpec(**{**values, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    backend = get_backend("Launchpad")
    return [release.version for release in backend.fetch(spec, client or HttpClient())]


@pytest.mark.parametrize("case", recording_cases("launchpad.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert "HTTP 404" in str(recording_error(case))
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_the_default_regex_finds_the_projects_archives(mock_http):
    page = (
        '<a href="https://launchpad.net/foo/2.x/2.0/+download/foo-2.0.tar.gz">foo-2.0.tar.gz</a>'
        '<a href="https://launchpad.net/foo/2.x/2.1/+download/foo-2.1-rc1.tar.xz">rc</a>'
        '<a href="https://launchpad.net/foo/2.x/2.0/+download/foo-2.0.tar.gz.asc">sig</a>'
        '<a href="https://launchpad.net/foo/2.x/2.0/+download/foo-plugins-7.0.tar.gz">other</a>'
    )
    mock_http.get(URL, body=page)

    assert fetch(spec()) == ["2.0", "2.1-rc1"]


def test_the_download_page_is_named_after_the_project():
    backend = get_backend("Launchpad")

    assert backend.version_url(spec(name="exaile")) == "https://launchpad.net/exaile/+download"
    assert set(backend.fields) == {"name"}


def test_an_unchanged_page_is_not_modified(mock_http):
    mock_http.get(URL, status=304)

    with pytest.raises(NotModified):
        fetch(spec(), HttpClient(etag='"abc"'))


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param({"status": 404}, BackendError, "HTTP 404", id="404"),
        pytest.param({"status": 503}, BackendError, "HTTP 503", id="5xx"),
        pytest.param({"body": "<html><div"}, BackendError, "no upstream version", id="malformed"),
        pytest.param({"body": ""}, BackendError, "no upstream version", id="empty"),
        timeout_param("Could not connect to"),
        pytest.param(
            {"status": 429, "headers": {"Retry-After": "60"}}, RateLimited, "Rate limit", id="429"
        ),
    ],
)
def test_upstream_failures_are_readable_errors(mock_http, answer, error, message):
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec()), match=message)
    assert URL in str(failure) or isinstance(failure, RateLimited)


def test_an_oversized_page_is_refused(mock_http):
    mock_http.get(URL, body="x" * 5000)
    config = dataclasses.replace(current().http, max_response_bytes=1000)

    with pytest.raises(BackendError, match="more than 1000 bytes"):
        fetch(spec(), HttpClient(config=config))
