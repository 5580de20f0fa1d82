"""The Sourceforge backend: the file release feed of a SourceForge project."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import ProjectSpec
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    make_spec,
    recording_cases,
    recording_error,
    replay,
)

URL = "https://sourceforge.net/projects/foo/rss?limit=200"


def item(path: str, date: str) -> str:
    link = f"https://sourceforge.net/projects/foo/files{path}/download"
    return (
        f"<item><title><![CDATA[{path}]]></title><link>{link}</link>"
        f"<pubDate>{date}</pubDate></item>"
    )


FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>foo</title>'
    + item("/foo/1.1/foo-1.1.tar.gz", "Fri, 23 Feb 2018 10:19:33 UT")
    + item("/foo/1.1/foo-1.1.zip", "Thu, 22 Feb 2018 08:00:00 +0100")
    + item("/foo/1.0/foo-1.0.tar.bz2", "not a date")
    + item("/foo/1.0/README.txt", "Mon, 01 Jan 2018 00:00:00 GMT")
    + "</channel></rss>"
)


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://sourceforge.net/projects/foo/"}
    return ProjectSpec(**{**values, "backend": "Sourceforge", **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    backend = get_backend("Sourceforge")
    return [release.version for release in backend.fetch(spec, client or HttpClient())]


# sourceforge-2 and -3 were recorded without an answer for their own feed (only filezilla's):
# the check cannot reach it, which the client reports as a failed call.
@pytest.mark.parametrize("case", recording_cases("sourceforge.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        feed = get_backend(case["backend"]).version_url(make_spec(case))
        assert str(recording_error(case)).startswith(f"Could not read {feed}: ")
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_versions_are_dated_by_their_oldest_file_in_the_feed(mock_http):
    mock_http.get(URL, body=FEED, content_type="application/rss+xml")

    releases = get_backend("Sourceforge").fetch(spec(), HttpClient())

    assert [r.version for r in releases] == ["1.1", "1.0"]
    assert releases[0].published_at == dt.datetime(2018, 2, 22, 7, 0, tzinfo=dt.UTC)
    assert releases[1].published_at is None  # its only archive has an unreadable date


def test_a_broken_feed_still_gives_its_versions(mock_http):
    mock_http.get(URL, body=FEED[: FEED.index("/foo/1.0/README")])

    releases = get_backend("Sourceforge").fetch(spec(), HttpClient())

    assert [r.version for r in releases] == ["1.1", "1.0"]
    assert all(r.published_at is None for r in releases)


@pytest.mark.parametrize(
    ("version_url", "url"),
    [
        (None, URL),
        ("", URL),
        ("foo-project", "https://sourceforge.net/projects/foo-project/rss?limit=200"),
        (
            "https://sourceforge.net/projects/bar/files/",
            "https://sourceforge.net/projects/bar/rss?limit=200",
        ),
        ("weird name/x", "https://sourceforge.net/projects/weird%20name%2Fx/rss?limit=200"),
    ],
)
def test_the_feed_is_that_of_the_sourceforge_name(version_url, url):
    assert get_backend("Sourceforge").version_url(spec(version_url=version_url)) == url


def test_archives_are_still_named_after_the_project(mock_http):
    other = "https://sourceforge.net/projects/foo-project/rss?limit=200"
    mock_http.get(other, body=FEED)

    assert fetch(spec(version_url="foo-project")) == ["1.1", "1.0"]


def test_the_form_relabels_the_version_url():
    fields = get_backend("Sourceforge").fields

    assert fields["version_url"].label == "Sourceforge name"
    assert not fields["version_url"].required
