"""The Freshmeat backend: release links of a (defunct) freshmeat.net project page."""

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

URL = "http://freshmeat.net/projects/foo"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "http://freecode.com/projects/foo", "backend": "Freshmeat"}
    return ProjectSpec(**{**values, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    backend = get_backend("Freshmeat")
    return [release.version for release in backend.fetch(spec, client or HttpClient())]


# Why each recorded check fails: freshmeat.net redirects to freecode.com, where "foo" is gone
# and awstats lists a "7.0 beta1" release, which is text rather than a version.
RECORDED_ERRORS = {"freshmeat-2": "HTTP 404", "freshmeat-3": "invalid upstream version:>7.0 beta1<"}


@pytest.mark.parametrize("case", recording_cases("freshmeat.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert RECORDED_ERRORS[case["id"]] in str(recording_error(case))
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_release_links_are_the_versions(mock_http):
    page = (
        '<a href="/projects/foo/releases/12">1.0</a>'
        '<a href="/projects/foo/releases/15">1.1</a>'
        '<a href="/projects/foo/screenshots/3">not a release</a>'
    )
    mock_http.get(URL, body=page)

    assert fetch(spec()) == ["1.0", "1.1"]


def test_the_page_is_named_after_the_project():
    backend = get_backend("Freshmeat")

    assert backend.version_url(spec(name="atmail")) == "http://freshmeat.net/projects/atmail"
    assert set(backend.fields) == {"name"}
