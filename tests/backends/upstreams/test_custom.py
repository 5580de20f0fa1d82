"""The custom backend: the project's page and regex."""

from __future__ import annotations

import time

import pytest

from backends.base import BackendError, ProjectSpec
from backends.http import HttpClient, HttpResponse
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
)

URL = "https://foo.example.org/download/"
PAGE = """<html><body><ul>
<li><a href="foo-1.0.tar.gz">foo-1.0.tar.gz</a></li>
<li><a href="foo-1.1-rc1.tar.bz2">foo-1.1-rc1.tar.bz2</a></li>
<li><a href="foo-1.1.zip">foo-1.1.zip</a> (also <a href="foo-1.1.tar.xz">tar.xz</a>)</li>
<li><a href="foobar-9.9.tar.gz">another project</a></li>
</ul></body></html>"""


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://foo.example.org/", "backend": "custom"}
    values["version_url"] = URL
    return ProjectSpec(**{**values, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    return [
        release.version for release in get_backend("custom").fetch(spec, client or HttpClient())
    ]


@pytest.mark.parametrize("case", recording_cases("custom.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    if case["expected"]["kind"] != "version":
        assert case["expected"]["compare"] == "sorted"
    assert_matches_recording(case, fetch_recording(case))


def test_a_project_without_version_url_fails_before_any_request(mock_http):
    # custom-2 of the recordings: Anitya failed calling "None"; we say what is missing.
    with pytest.raises(BackendError, match="fake: the custom backend needs a version URL"):
        fetch(spec(name="fake", version_url=""))
    assert len(mock_http.calls) == 0


@pytest.mark.parametrize("regex", [None, "", "DEFAULT", " DEFAULT "])
def test_an_empty_or_default_regex_finds_the_default_archives(mock_http, regex):
    mock_http.get(URL, body=PAGE)

    assert fetch(spec(regex=regex)) == ["1.0", "1.1-rc1", "1.1"]


def test_the_projects_regex_and_its_name_placeholder_are_used(mock_http):
    mock_http.get(URL, body="<p>Latest: foo 2_4 (and foo 2_5)</p> <p>bar 9_9</p>")

    # Several groups are joined with "." (as findall tuples were in Anitya).
    assert fetch(spec(regex=r"%(name)s (\d+)_(\d+)")) == ["2.4", "2.5"]


def test_the_name_is_matched_literally_in_the_default_regex(mock_http):
    mock_http.get(URL, body='<a href="gtk+-3.0.tar.gz">x</a> <a href="gtkk-9.0.tar.gz">y</a>')

    assert fetch(spec(name="gtk+")) == ["3.0"]


def test_a_regex_without_a_match_names_the_url_and_the_regex(mock_http):
    mock_http.get(URL, body=PAGE)

    with pytest.raises(BackendError) as raised:
        fetch(spec(regex=r"release-(\d+)"))
    assert str(raised.value) == (
        rf"foo: no upstream version found. The page {URL} was read, but the regular expression "
        r"release-(\d+) found no version on it. Check the regex against the page (Test check "
        "shows what it finds)."
    )


def test_a_match_with_a_space_is_refused(mock_http):
    mock_http.get(URL, body="<h2>Version 1.0 beta</h2>")

    with pytest.raises(BackendError, match=r"invalid upstream version:>1\.0 beta<"):
        fetch(spec(regex=r"Version ([^<]+)"))


def test_a_stored_broken_regex_is_a_readable_error(mock_http):
    mock_http.get(URL, body=PAGE)

    with pytest.raises(BackendError, match="the project's regex cannot be used"):
        fetch(spec(regex=r"foo-(\d+"))


def test_a_catastrophic_regex_stops_at_the_time_limit(mock_http, settings):
    settings.REGEX_TIMEOUT = 0.2
    mock_http.get(URL, body="a" * 50_000 + "!")

    started = time.monotonic()
    with pytest.raises(BackendError, match="took too long"):
        fetch(spec(regex=r"(a+)+$"))
    assert time.monotonic() - started < 3


def test_an_ftp_version_url_is_read_through_the_client(monkeypatch):
    client = HttpClient()
    ftp_listing = "-rw-r--r--  1 ftp ftp 1024 Jan 01  2021 foo-3.2.tar.gz\n"

    def ftp_get(url, *, listing=False):  # the client's FTP retrieval, without a server
        return HttpResponse(url=url, status=200, reason="OK", content=ftp_listing.encode())

    monkeypatch.setattr(client, "_ftp_get", ftp_get)

    assert fetch(spec(version_url="ftp://ftp.example.org/pub/foo/"), client) == ["3.2"]


def test_a_glob_in_the_version_url_reads_the_newest_folder(mock_http):
    mock_http.get(
        "https://foo.example.org/pub/", body='<a href="1.0/">1.0/</a><a href="1.10/">x</a>'
    )
    mock_http.get("https://foo.example.org/pub/1.10/", body='<a href="foo-1.10.2.tar.gz">x</a>')

    assert fetch(spec(version_url="https://foo.example.org/pub/*/")) == ["1.10.2"]


def test_the_form_shows_url_regex_and_insecure_with_the_default_regex_hint():
    backend = get_backend("custom")

    assert backend.required_version_url
    assert set(backend.fields) == {"version_url", "regex", "insecure"}
    assert backend.fields["version_url"].required
    assert "{project name}" in backend.default_regex
    assert "%(name)s" not in backend.default_regex
    assert "DEFAULT" in backend.more_info
    assert backend.version_url(spec()) == URL
