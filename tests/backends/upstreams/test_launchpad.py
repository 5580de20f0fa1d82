"""The Launchpad backend: archives on a project's +download page."""

from __future__ import annotations

import pytest

from backends.base import ProjectSpec
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
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
