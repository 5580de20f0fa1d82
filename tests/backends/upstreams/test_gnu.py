"""The GNU project backend: a package's folder on the GNU mirrors."""

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

URL = "https://ftpmirror.gnu.org/gnu/foo/"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "foo",
        "homepage": "https://www.gnu.org/software/foo/",
        "backend": "GNU project",
    }
    return ProjectSpec(**{**values, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    backend = get_backend("GNU project")
    return [release.version for release in backend.fetch(spec, client or HttpClient())]


@pytest.mark.parametrize("case", recording_cases("gnu-project.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert "HTTP 404" in str(recording_error(case))
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_the_mirror_folder_is_used_whatever_the_version_url():
    backend = get_backend("GNU project")

    # The recorded gnash project has a version URL on ftp.gnu.org: the backend ignores it.
    project = spec(name="gnash", version_url="https://ftp.gnu.org/pub/gnu/gnash/")
    assert backend.version_url(project) == "https://ftpmirror.gnu.org/gnu/gnash/"
    assert set(backend.fields) == {"name"}


def test_archives_are_the_versions_when_there_are_some(mock_http):
    page = (
        '<a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a><a href="foo-1.0.tar.gz.sig">sig</a>'
        '<a href="foo-1.1.tar.xz">foo-1.1.tar.xz</a><a href="9.9/">an old folder</a>'
    )
    mock_http.get(URL, body=page)

    assert fetch(spec()) == ["1.0", "1.1"]


def test_version_folders_are_the_fallback_without_a_second_request(mock_http):
    page = (
        '<a href="/gnu/">Parent</a><a href="?C=M;O=A">sort</a>'
        '<a href="0.8.9/">0.8.9/</a><a href="0.8.10/">x</a><a href="doc/">doc/</a>'
    )
    mock_http.get(URL, body=page)

    assert fetch(spec()) == ["0.8.9", "0.8.10"]
    assert len(mock_http.calls) == 1


def test_the_mirror_redirect_is_followed(mock_http):
    mirror = "https://mirror.example.org/gnu/foo/"
    mock_http.get(URL, status=302, headers={"Location": mirror})
    mock_http.get(mirror, body='<a href="foo-2.0.tar.gz">foo-2.0.tar.gz</a>')

    assert fetch(spec()) == ["2.0"]
