"""The CPAN (perl) backend: a distribution's metacpan page and metacpan's recent-uploads feed."""

from __future__ import annotations

import re

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams.cpan import split_release
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
)

URL = "https://metacpan.org/dist/Foo-Bar/"
FEED = "https://metacpan.org/feed/recent"


def spec(**fields) -> ProjectSpec:
    values = {"name": "Foo-Bar", "homepage": URL, "backend": "CPAN (perl)"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("CPAN (perl)").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("cpan-perl.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        with pytest.raises(
            BackendError, match=re.escape("https://metacpan.org/dist/foo/ answered HTTP 404")
        ):
            fetch_recording(case)
        return
    assert_matches_recording(case, fetch_recording(case))


def test_version_url_and_fields():
    backend = get_backend("CPAN (perl)")

    assert backend.version_url(spec()) == URL
    assert set(backend.fields) == {"name"}


def test_the_default_regex_finds_the_release_archive(mock_http):
    page = (
        '<a href="https://cpan.metacpan.org/authors/id/A/AU/AUTHOR/Foo-Bar-1.23.tar.gz">'
        "Download</a> <a href='/dist/Foo-Bar-Baz/Foo-Bar-Baz-9.9.tar.gz'>other dist</a>"
    )
    mock_http.get(URL, body=page)

    # The project regex is ignored (contract 6.2): only the default regex, with the name.
    assert [r.version for r in fetch(spec(regex=r"(\d+)"))] == ["1.23"]


@pytest.mark.parametrize(
    ("title", "release"),
    [
        ("Net-Whois-Raw-2.99037", ("Net-Whois-Raw", "2.99037")),
        ("SOAP-0.28", ("SOAP", "0.28")),
        ("Foo-2-Bar-1.0", ("Foo-2-Bar", "1.0")),
        ("Foo-Bar-1.2-TRIAL", ("Foo-Bar", "1.2-TRIAL")),
        ("Module-v1.2.3", ("Module", "v1.2.3")),
        ("NoVersion", None),
        ("Trailing-", None),
        ("-1.0", None),
    ],
)
def test_release_titles_split_at_the_last_dash_before_a_digit(title, release):
    assert split_release(title) == release


FEED_RDF = """<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://metacpan.org/recent"><title>Recent CPAN uploads</title></channel>
  <item rdf:about="https://metacpan.org/release/AUTHOR/Foo-Bar-1.23">
    <title>Foo-Bar-1.23</title><link>https://metacpan.org/release/AUTHOR/Foo-Bar-1.23</link>
    <dc:creator>AUTHOR</dc:creator>
  </item>
  <item rdf:about="x"><title>NoVersionHere</title></item>
  <item rdf:about="y"><title>App-cpanminus-1.7047</title></item>
  <item rdf:about="z"><description>no title</description></item>
</rdf:RDF>"""


def test_feed_lists_recent_uploads(mock_http):
    mock_http.get(FEED, body=FEED_RDF, content_type="application/rss+xml")

    entries = get_backend("CPAN (perl)").check_feed(HttpClient())

    assert entries == [
        FeedEntry("Foo-Bar", "1.23", "https://metacpan.org/dist/Foo-Bar/"),
        FeedEntry("App-cpanminus", "1.7047", "https://metacpan.org/dist/App-cpanminus/"),
    ]


@pytest.mark.parametrize(
    ("status", "body"), [(200, "<rdf:RDF><item>"), (200, ""), (503, "")], ids=str
)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("CPAN (perl)").check_feed(HttpClient())
