"""The CRAN (R) backend: every version crandb knows, and crandb's feed of releases."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    make_spec,
    recording_cases,
    replay,
    upstream_failure,
)

URL = "https://crandb.r-pkg.org/foo/all"
FEED = "https://crandb.r-pkg.org/-/pkgreleases?descending=true&limit=50"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://cran.r-project.org/package=foo"}
    return ProjectSpec(**{"backend": "CRAN (R)", **values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("CRAN (R)").fetch(project, client or HttpClient())


def _recorded_all_document(name: str) -> dict:
    """The recorded ``/<name>/all`` interaction, wherever in cran-r.json it is."""
    for param in recording_cases("cran-r.json"):
        for interaction in param.values[0]["interactions"]:
            if interaction["url"] == f"https://crandb.r-pkg.org/{name}/all":
                return interaction
    raise LookupError(name)


@pytest.mark.parametrize("case", recording_cases("cran-r.json"))
def test_recorded_answers(mock_http, case):
    project = make_spec(case)
    all_url = f"https://crandb.r-pkg.org/{project.name}/all"
    if all(interaction["url"] != all_url for interaction in case["interactions"]):
        # cran-r-1 was recorded from an older Anitya that read only the newest version's
        # document (/whisker). The backend reads every version from /whisker/all instead
        # (contract 6.2); replayed with the /all answer recorded for the same package, it
        # finds the same newest version, without ever asking for the latest-only document.
        case = {**case, "interactions": [_recorded_all_document(project.name)]}
    replay(mock_http, case)
    releases = fetch_recording(case)
    assert_matches_recording(case, releases)
    assert [call.request.url for call in mock_http.calls] == [all_url]
    assert all(release.published_at is not None for release in releases)


def test_version_url_and_fields():
    backend = get_backend("CRAN (R)")

    assert backend.version_url(spec(name="data.table")) == (
        "https://crandb.r-pkg.org/data.table/all"
    )
    assert set(backend.fields) == {"name"}


def test_versions_and_their_dates_come_from_the_all_document(mock_http):
    mock_http.get(
        URL,
        json={
            "_id": "foo",
            "versions": {"0.1": {}, "0.2-1": {}, "1.0": {}},
            "timeline": {"0.1": "2011-09-05T19:37:50+00:00", "0.2-1": "junk", "1.0": 5},
            "latest": "1.0",
        },
    )

    assert fetch(spec()) == [
        Release("0.1", published_at=dt.datetime(2011, 9, 5, 19, 37, 50, tzinfo=dt.UTC)),
        Release("0.2-1"),
        Release("1.0"),
    ]


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, '{"name": "foo"}', BackendError, f"No versions found at {URL}"),
        (200, '{"versions": ["1.0"]}', BackendError, "No versions found"),
        (200, '"foo"', BackendError, "No versions found"),
    ],
    ids=["no-versions", "versions-not-an-object", "not-an-object"],
)
def test_unexpected_answers_are_readable_errors(mock_http, status, body, error, message):
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec()))
    assert message in str(failure)


def test_feed_lists_the_latest_releases(mock_http):
    releases = [
        {
            "date": "2024-05-01T10:00:00+00:00",
            "name": "ggplot2",
            "event": "released",
            "package": {"Package": "ggplot2", "Version": "3.5.1"},
        },
        {"name": "nover", "package": {"Package": "nover"}},
        {"name": "badpackage", "package": "3.0"},
        {"package": {"Version": "1.0"}},
        "junk",
    ]
    mock_http.get(FEED, json=releases)

    entries = get_backend("CRAN (R)").check_feed(HttpClient())

    assert entries == [
        FeedEntry("ggplot2", "3.5.1", "https://cran.r-project.org/package=ggplot2"),
    ]


@pytest.mark.parametrize(("status", "body"), [(200, "{}"), (200, "[{"), (500, "")], ids=str)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("CRAN (R)").check_feed(HttpClient())
