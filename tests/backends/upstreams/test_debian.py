"""The Debian project backend: upstream tarballs in Debian's package pool."""

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

URL = "http://ftp.debian.org/debian/pool/main/f/foo/"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://foo.example.org/", "backend": "Debian project"}
    return ProjectSpec(**{**values, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    backend = get_backend("Debian project")
    return [release.version for release in backend.fetch(spec, client or HttpClient())]


@pytest.mark.parametrize("case", recording_cases("debian-project.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert "HTTP 404" in str(recording_error(case))
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("guake", "http://ftp.debian.org/debian/pool/main/g/guake/"),
        (
            "libgnupg-interface-perl",
            "http://ftp.debian.org/debian/pool/main/libg/libgnupg-interface-perl/",
        ),
        ("gtk+", "http://ftp.debian.org/debian/pool/main/g/gtk+/"),
        ("a/../b", "http://ftp.debian.org/debian/pool/main/a/a%2F..%2Fb/"),
    ],
)
def test_the_pool_folder_is_split_by_initial_and_lib_prefix(name, url):
    assert get_backend("Debian project").version_url(spec(name=name)) == url


def test_orig_tarballs_give_the_upstream_version_not_the_debian_revision(mock_http):
    page = (
        '<a href="foo_1.2.orig.tar.gz">foo_1.2.orig.tar.gz</a>'
        '<a href="foo_1.2-3.debian.tar.xz">foo_1.2-3.debian.tar.xz</a>'
        '<a href="foo_1.2-3.dsc">foo_1.2-3.dsc</a>'
        '<a href="foo_1.3.orig.tar.xz">foo_1.3.orig.tar.xz</a>'
        '<a href="foo-doc_9.0.orig.tar.gz">another package</a>'
    )
    mock_http.get(URL, body=page)

    assert fetch(spec()) == ["1.2", "1.3"]


def test_the_form_only_needs_the_package_name():
    assert set(get_backend("Debian project").fields) == {"name"}
