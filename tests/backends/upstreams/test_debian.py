"""The Debian project backend: upstream tarballs in Debian's package pool."""

from __future__ import annotations

import dataclasses

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited
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


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param({"status": 404}, BackendError, "HTTP 404", id="404"),
        pytest.param({"status": 502}, BackendError, "HTTP 502", id="5xx"),
        pytest.param({"body": "<html><body"}, BackendError, "no upstream version", id="malformed"),
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
