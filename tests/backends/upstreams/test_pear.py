"""The PEAR and PECL backends: the channels' allreleases.xml and their RSS feeds."""

from __future__ import annotations

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    make_spec,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

PEAR_URL = "https://pear.php.net/rest/r/net_smtp/allreleases.xml"
PECL_URL = "https://pecl.php.net/rest/r/net_smtp/allreleases.xml"


def spec(backend: str = "PEAR", **fields) -> ProjectSpec:
    values = {"name": "Net-SMTP", "homepage": "https://pear.php.net/package/Net_SMTP"}
    return ProjectSpec(**{"backend": backend, **values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend(project.backend).fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("pear.json") + recording_cases("pecl.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        host = "pear.php.net" if make_spec(case).backend == "PEAR" else "pecl.php.net"
        assert str(recording_error(case)) == (
            f"No versions found for foo: no such package on {host} "
            f"(https://{host}/rest/r/foo/allreleases.xml)"
        )
        return
    assert_matches_recording(case, fetch_recording(case))


def test_version_urls_and_fields():
    assert get_backend("PEAR").version_url(spec()) == PEAR_URL
    assert get_backend("PECL").version_url(spec("PECL")) == PECL_URL
    assert get_backend("PECL").fields["name"].label == "PECL package name"
    assert set(get_backend("PEAR").fields) == {"name"}


ALLRELEASES = """<?xml version="1.0" encoding="UTF-8" ?>
<a xmlns="http://pear.php.net/dtd/rest.allreleases">
 <p>Net_SMTP</p><c>pear.php.net</c>
 <r><v>1.10.1</v><s>stable</s></r>
 <r><v> 1.10.0 </v><s>stable</s></r>
 <r><s>beta</s></r>
 <r><v></v></r>
 <r><v>1.0.0RC1</v><s>beta</s></r>
</a>"""


@pytest.mark.parametrize(("backend", "url"), [("PEAR", PEAR_URL), ("PECL", PECL_URL)])
def test_every_release_of_the_channel(mock_http, backend, url):
    mock_http.get(url, body=ALLRELEASES, content_type="text/xml")

    assert [r.version for r in fetch(spec(backend))] == ["1.10.1", "1.10.0", "1.0.0RC1"]


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, "<a><p>Net_SMTP</p></a>", BackendError, "No versions found for Net-SMTP"),
        (
            200,
            '<!DOCTYPE a [<!ENTITY e "boom">]><a><r><v>&e;</v></r></a>',
            BackendError,
            "refused XML answer",
        ),
    ],
    ids=["no-releases", "entities"],
)
def test_unexpected_answers_are_readable_errors(mock_http, status, body, error, message):
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, PEAR_URL, answer, error, lambda: fetch(spec()))
    assert message in str(failure)


FEED_RSS = """<?xml version="1.0" encoding="iso-8859-1"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://{host}/"><title>latest releases</title></channel>
  <item rdf:about="https://{host}/package/Net_SMTP/download/1.10.1/">
    <title>Net_SMTP 1.10.1</title>
    <link>https://{host}/package/Net_SMTP/download/1.10.1/</link>
  </item>
  <item rdf:about="x"><title>NoVersion</title></item>
  <item rdf:about="y"><title>imagick 3.7.0</title></item>
</rdf:RDF>"""


@pytest.mark.parametrize("backend", ["PEAR", "PECL"])
def test_feed_lists_the_latest_releases(mock_http, backend):
    host = f"{backend.lower()}.php.net"
    mock_http.get(f"https://{host}/feeds/latest.rss", body=FEED_RSS.replace("{host}", host))

    entries = get_backend(backend).check_feed(HttpClient())

    assert entries == [
        FeedEntry("Net_SMTP", "1.10.1", f"https://{host}/package/Net_SMTP"),
        FeedEntry("imagick", "3.7.0", f"https://{host}/package/imagick"),
    ]


@pytest.mark.parametrize(("status", "body"), [(200, "<rdf:RDF"), (404, "")], ids=str)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get("https://pecl.php.net/feeds/latest.rss", status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("PECL").check_feed(HttpClient())
