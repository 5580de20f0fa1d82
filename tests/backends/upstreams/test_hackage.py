"""The Hackage backend: a package's hackage.haskell.org page, read with the default regex."""

from __future__ import annotations

import pytest

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
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
