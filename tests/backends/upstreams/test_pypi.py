"""The PyPI backend: pypi.org's JSON API and its RSS feed of recent uploads."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

URL = "https://pypi.org/pypi/foo/json"
FEED = "https://pypi.org/rss/updates.xml"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://pypi.org/project/foo/", "backend": "PyPI"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("PyPI").fetch(project, client or HttpClient())


@pytest.mark.parametrize(
    "case", recording_cases("pypi.json") + recording_cases("pypi-release-lines.json")
)
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        # pypi-1: two redirects, then a 404 page.
        assert str(recording_error(case)) == (
            "Package not found on PyPI: https://pypi.org/pypi/repo_manager_fake/json"
        )
        return
    assert_matches_recording(case, fetch_recording(case))


def test_version_url_and_fields():
    backend = get_backend("PyPI")

    assert backend.version_url(spec(name="Flask")) == "https://pypi.org/pypi/Flask/json"
    assert set(backend.fields) == {"name"}
    assert backend.has_feed


def _file(uploaded: str, *, yanked: bool = False) -> dict:
    return {"filename": "x", "upload_time_iso_8601": uploaded, "yanked": yanked}


def test_a_version_is_yanked_only_when_all_its_files_are(mock_http):
    releases = {
        "1.0": [_file("2020-01-01T10:00:00.1Z", yanked=True), _file("2020-01-02T10:00:00Z")],
        "1.1": [_file("2020-02-01T10:00:00Z", yanked=True)] * 2,
        "1.2": [],  # files deleted: kept, as in Anitya
        "1.3": [_file("2020-03-02T10:00:00Z"), _file("2020-03-01T09:30:00.5Z")],
    }
    mock_http.get(URL, json={"info": {}, "releases": releases})

    fetched = fetch(spec())
    found = {r.version: r.published_at for r in fetched if not r.withdrawn}

    assert list(found) == ["1.0", "1.2", "1.3"]
    # A yanked release is reported, flagged, so that a stored one is marked withdrawn.
    assert [r.version for r in fetched if r.withdrawn] == ["1.1"]
    # The earliest upload of any file, yanked ones included, is when the version came out.
    assert found["1.0"] == dt.datetime(2020, 1, 1, 10, 0, 0, 100000, tzinfo=dt.UTC)
    assert found["1.2"] is None
    assert found["1.3"] == dt.datetime(2020, 3, 1, 9, 30, 0, 500000, tzinfo=dt.UTC)


def test_hostile_release_entries_do_not_break_the_check(mock_http):
    releases = {
        "1.0": "not a list",
        "2.0": [None, 3, {"yanked": "yes", "upload_time_iso_8601": "yesterday"}],
        "3.0": [{"upload_time": "2021-05-06T07:08:09"}],  # naive legacy field: UTC
    }
    mock_http.get(URL, json={"releases": releases})

    found = {r.version: r.published_at for r in fetch(spec())}

    assert found == {
        "1.0": None,
        "2.0": None,
        "3.0": dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.UTC),
    }


def test_a_project_without_releases_has_no_versions(mock_http):
    mock_http.get(URL, json={"info": {"name": "foo"}, "releases": None})

    assert fetch(spec()) == []


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, '["1.0"]', BackendError, "unexpected answer"),
    ],
    ids=["not-an-object"],
)
def test_unexpected_answers_are_readable_errors(mock_http, status, body, error, message):
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec()))
    assert message in str(failure)


FEED_XML = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>PyPI recent updates</title>
<item><title>requests 2.32.3</title><link>https://pypi.org/project/requests/2.32.3/</link></item>
<item><title>zope.interface 7.0</title></item>
<item><title>noversion</title></item>
<item><title></title></item>
<item><link>no title</link></item>
</channel></rss>"""


def test_feed_lists_name_and_version_of_recent_uploads(mock_http):
    mock_http.get(FEED, body=FEED_XML, content_type="text/xml")

    entries = get_backend("PyPI").check_feed(HttpClient())

    assert entries == [
        FeedEntry("requests", "2.32.3", "https://pypi.org/project/requests/"),
        FeedEntry("zope.interface", "7.0", "https://pypi.org/project/zope.interface/"),
    ]


@pytest.mark.parametrize(
    ("status", "body"), [(200, "<rss><channel><item>"), (500, "oops")], ids=["malformed", "500"]
)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("PyPI").check_feed(HttpClient())
