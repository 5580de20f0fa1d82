"""The pub.dev backend: a package's versions (recorded answers) and pub.dev's Atom feed.

Answers not taken from the recordings follow the "Hosted Pub Repository Specification
Version 2", https://github.com/dart-lang/pub/blob/master/doc/repository-spec-v2.md ("List all
versions of a package", ``retracted``, the ``{"error": {"code", "message"}}`` document), and
the feed follows pub.dev's own generator of /feed.atom,
https://github.com/dart-lang/pub-dev/blob/master/app/lib/frontend/handlers/atom_feed.dart
(entries titled ``v<version> of <package>``, with an alternate link to the package page).
A throttled request is a 429 with ``Retry-After`` (RFC 9110, section 10.2.3).
"""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    pipeline_versions,
    recorded_case,
    recording_cases,
    replay,
)

URL = "https://pub.dev/api/packages/http"
FEED = "https://pub.dev/feed.atom"
NEWEST = {"pub-dev-path": "1.9.0", "pub-dev-shared-preferences": "0.5.8"}


def spec(**fields) -> ProjectSpec:
    values = {"name": "http", "homepage": "https://pub.dev/packages/http", "backend": "pub.dev"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("pub.dev").fetch(project, client or HttpClient())


def version(number: str, **extra) -> dict:
    return {
        "version": number,
        "archive_url": f"https://pub.dev/api/archives/http-{number}.tar.gz",
        "pubspec": {"name": "http", "version": number},
        **extra,
    }


@pytest.mark.parametrize("case", recording_cases("pub-dev.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)

    releases = fetch_recording(case)

    assert_matches_recording(case, releases)
    assert all(release.published_at is not None for release in releases)
    _, ordered = pipeline_versions(case, releases)
    assert ordered[-1] == NEWEST[case["id"]]
    assert mock_http.calls[0].request.headers["Accept"] == "application/vnd.pub.v2+json"


def test_the_retracted_version_of_the_recording_is_flagged_withdrawn(mock_http):
    case = recorded_case("pub-dev.json", "pub-dev-shared-preferences")
    replay(mock_http, case)

    withdrawn = {release.version: release.withdrawn for release in fetch_recording(case)}

    # shared_preferences 0.1.2 is "retracted": true in the recorded answer.
    assert withdrawn["0.1.2"] is True
    assert withdrawn["0.1.1"] is False
    assert [version for version, flag in withdrawn.items() if flag] == ["0.1.2"]


def test_versions_with_their_publication_dates(mock_http):
    answer = {
        "name": "http",
        "latest": version("1.1.0"),
        "versions": [
            version("1.0.0", published="2023-05-10T15:25:33.512310Z"),
            version("1.1.0-wip", retracted=True, published="2023-06-01T00:00:00Z"),
            version("1.1.0", retracted=False),
            version("1.2.0", published="never"),
        ],
    }
    mock_http.get(URL, json=answer)

    assert fetch(spec()) == [
        Release("1.0.0", published_at=dt.datetime(2023, 5, 10, 15, 25, 33, 512310, tzinfo=dt.UTC)),
        Release("1.1.0-wip", published_at=dt.datetime(2023, 6, 1, tzinfo=dt.UTC), withdrawn=True),
        Release("1.1.0"),
        Release("1.2.0"),
    ]


def test_version_url_and_fields():
    backend = get_backend("pub.dev")

    assert backend.version_url(spec()) == URL
    assert backend.version_url(spec(version_url="https://host.example/prefix/pub/")) == (
        "https://host.example/prefix/pub/api/packages/http"
    )
    assert set(backend.fields) == {"name", "version_url"}
    assert backend.default_version_scheme == "Semantic"
    assert backend.has_feed


def test_a_private_repository_is_read_at_its_hosted_url(mock_http):
    mock_http.get(
        "https://pub.example.org/prefix/api/packages/http", json={"versions": [version("1.0.0")]}
    )

    found = fetch(spec(version_url="https://pub.example.org/prefix"), HttpClient(etag='"e"'))

    assert found == [Release("1.0.0")]
    assert mock_http.calls[0].request.headers["If-None-Match"] == '"e"'


def test_an_unknown_package_says_so_and_where(mock_http):
    error = {"error": {"code": "NotFound", "message": 'Package "http" was not found.'}}
    mock_http.get(URL, status=404, json=error)

    with pytest.raises(BackendError) as raised:
        fetch(spec())

    assert str(raised.value) == f'No package "http" on pub.dev: {URL}'


def test_an_error_document_is_shown_in_one_line(mock_http):
    error = {"error": {"code": "Unauthorized", "message": "Obtain a token\nfrom the admin"}}
    mock_http.get("https://pub.example.org/api/packages/http", json=error)

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url="https://pub.example.org"))

    assert str(raised.value) == (
        "https://pub.example.org/api/packages/http: unexpected answer (the repository "
        "answered: Obtain a token from the admin)"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "not a JSON object"),
        ('{"name": "http"}', "(no list of versions)"),
        ('{"versions": {"1.0.0": {}}}', "(no list of versions)"),
    ],
    ids=["not-an-object", "no-versions", "versions-not-a-list"],
)
def test_malformed_answers_are_readable_errors(mock_http, body, message):
    mock_http.get(URL, body=body, content_type="application/vnd.pub.v2+json")

    with pytest.raises(BackendError) as raised:
        fetch(spec())

    assert message in str(raised.value)
    assert URL in str(raised.value)


def test_junk_versions_are_skipped(mock_http):
    mock_http.get(URL, json={"versions": [version("1.0.0"), {"version": 2}, "1.1.0", None]})

    assert fetch(spec()) == [Release("1.0.0")]


def test_only_junk_versions_are_no_version_not_a_retraction(mock_http):
    mock_http.get(URL, json={"versions": [{"version": 2, "retracted": True}, None]})

    assert fetch(spec()) == []


def test_a_package_whose_every_version_is_retracted_says_so(mock_http):
    mock_http.get(URL, json={"versions": [version("0.1.0", retracted=True)]})

    with pytest.raises(BackendError, match=r"^http: every version on pub.dev is retracted\.$"):
        fetch(spec())


@pytest.mark.parametrize(
    "name",
    ["../documentation", "http/versions", "http?x=1", "..", "1http", "", "http-client"],
    ids=["dot-dot", "slash", "query", "only-dots", "digit-first", "empty", "dash"],
)
def test_a_name_that_is_not_a_pub_name_never_reaches_a_url(mock_http, name):
    with pytest.raises(BackendError, match="is not a valid pub package name"):
        fetch(spec(name=name))

    assert not mock_http.calls


def test_a_repository_address_that_is_not_http_is_refused_unread(mock_http):
    with pytest.raises(BackendError, match="is not the address of a pub package repository"):
        fetch(spec(version_url="pub.example.org"))

    assert not mock_http.calls


ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>https://pub.dev/feed.atom</id>
  <title>Pub Packages for Dart</title>
  <updated>2024-05-01T10:00:00.000Z</updated>
  <author><name>Dart Team</name></author>
  <link href="https://pub.dev/" rel="alternate"/>
  <link href="https://pub.dev/feed.atom" rel="self"/>
  <generator version="0.1.0">Pub Feed Generator</generator>
  <subtitle>Last Updated Packages</subtitle>
  <entry>
    <id>urn:uuid:0c5a9a9e-2f1c-4a43-8f0e-7d1f6f1b7b11</id>
    <title>v1.2.1 of http</title>
    <updated>2024-05-01T09:59:00.000Z</updated>
    <author><name>dart.dev</name></author>
    <content>A composable, multi-platform, Future-based API for HTTP requests.</content>
    <link href="https://pub.dev/packages/http" rel="alternate" title="http"/>
  </entry>
  <entry>
    <title>v2.0.0-dev.1+3 of flutter_bloc</title>
    <link href="https://pub.dev/packages/flutter_bloc" rel="alternate" title="flutter_bloc"/>
  </entry>
  <entry><title>v1.2.1 of http</title></entry>
  <entry><title>v1.0.0 of ../admin</title></entry>
  <entry><title>something else</title></entry>
  <entry><content>no title</content></entry>
</feed>
"""


def test_feed_lists_the_versions_published_last(mock_http):
    mock_http.get(FEED, body=ATOM, content_type="application/atom+xml; charset=utf-8")

    entries = get_backend("pub.dev").check_feed(HttpClient())

    assert entries == [
        FeedEntry("http", "1.2.1", "https://pub.dev/packages/http"),
        FeedEntry("flutter_bloc", "2.0.0-dev.1+3", "https://pub.dev/packages/flutter_bloc"),
    ]


@pytest.mark.parametrize(
    ("status", "body"), [(200, "<feed><entry>"), (200, "{}"), (503, "")], ids=str
)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("pub.dev").check_feed(HttpClient())


def test_a_throttled_repository_waits_as_retry_after_says(mock_http):
    mock_http.get(URL, status=429, headers={"Retry-After": "90"}, body="Too Many Requests")

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    waited = (raised.value.reset_at - dt.datetime.now(dt.UTC)).total_seconds()
    assert 88 < waited <= 90
    assert raised.value.scope == "pub.dev" == get_backend("pub.dev").rate_limit_scope(spec())
