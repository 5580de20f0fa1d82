"""The Rubygems backend: every version of a gem (not only the latest), and the activity feed."""

from __future__ import annotations

import datetime as dt
import re

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

URL = "https://rubygems.org/api/v1/versions/foo.json"
LATEST = "https://rubygems.org/api/v1/versions/foo/latest.json"
FEED = "https://rubygems.org/api/v1/activity/just_updated.json"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://rubygems.org/gems/foo", "backend": "Rubygems"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Rubygems").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("rubygems.json"))
def test_recorded_answers(mock_http, case):
    """The recordings come from Anitya, which only asked for ``latest.json``.

    They are replayed as a rubygems.org whose full list answers 404, which is also what an
    unknown gem gets: the backend then falls back to ``latest.json`` like Anitya.
    """
    project = make_spec(case)
    full_list = f"https://rubygems.org/api/v1/versions/{project.name}.json"
    assert all(i["url"] != full_list for i in case["interactions"])
    mock_http.get(full_list, status=404, body="This rubygem could not be found.")
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        # rubygems-2 asks for biofoobar; the recording only answers for bio.
        with pytest.raises(BackendError, match="biofoobar"):
            fetch_recording(case)
        return
    assert_matches_recording(case, fetch_recording(case))
    assert [call.request.url for call in mock_http.calls] == [
        full_list,
        "https://rubygems.org/api/v1/versions/bio/latest.json",
    ]


def test_version_url_and_fields():
    backend = get_backend("Rubygems")

    assert backend.version_url(spec(name="rails")) == (
        "https://rubygems.org/api/v1/versions/rails.json"
    )
    assert set(backend.fields) == {"name"}


def test_every_version_is_found_once_with_its_first_build_date(mock_http):
    mock_http.get(
        URL,
        json=[
            {"number": "1.1.0", "platform": "java", "created_at": "2021-03-02T10:00:00.000Z"},
            {"number": "1.1.0", "platform": "ruby", "created_at": "2021-03-01T10:00:00.000Z"},
            {"number": "1.1.0.rc1", "prerelease": True, "created_at": "2021-02-01T10:00:00Z"},
            {"number": "1.0.0", "created_at": None},
            {"number": ["1.0"]},
            "junk",
        ],
    )

    assert fetch(spec()) == [
        Release("1.1.0", published_at=dt.datetime(2021, 3, 1, 10, tzinfo=dt.UTC)),
        Release("1.1.0.rc1", published_at=dt.datetime(2021, 2, 1, 10, tzinfo=dt.UTC)),
        Release("1.0.0"),
    ]
    assert len(mock_http.calls) == 1


def test_an_unknown_gem_is_an_error(mock_http):
    mock_http.get(URL, status=404, body="This rubygem could not be found.")
    mock_http.get(LATEST, json={"version": "unknown"})

    with pytest.raises(
        BackendError, match=re.escape(f'No gem "foo" found on rubygems.org: {LATEST}')
    ):
        fetch(spec())


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, '{"number": "1.0"}', BackendError, "not a list of versions"),
        (200, "[]", BackendError, f"No versions found at {URL}"),
    ],
    ids=["not-a-list", "no-versions"],
)
def test_unexpected_answers_are_readable_errors(mock_http, status, body, error, message):
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec()))
    assert message in str(failure)


@pytest.mark.parametrize("body", ['{"version": null}', "[]", "{"], ids=str)
def test_a_bad_latest_answer_after_a_404_is_an_error(mock_http, body):
    mock_http.get(URL, status=404)
    mock_http.get(LATEST, body=body)

    with pytest.raises(BackendError):
        fetch(spec())


def test_feed_lists_just_updated_gems(mock_http):
    gems = [
        {
            "name": "rails",
            "version": "7.1.3",
            "homepage_uri": "https://rubyonrails.org",
            "project_uri": "https://rubygems.org/gems/rails",
        },
        {"name": "tiny", "version": "0.1.0", "homepage_uri": None},
        {"name": "evil", "version": "1.0", "homepage_uri": "javascript:alert(1)"},
        {"name": "nover"},
        "junk",
    ]
    mock_http.get(FEED, json=gems)

    entries = get_backend("Rubygems").check_feed(HttpClient())

    assert entries == [
        FeedEntry("rails", "7.1.3", "https://rubyonrails.org"),
        FeedEntry("tiny", "0.1.0", "https://rubygems.org/gems/tiny"),
        FeedEntry("evil", "1.0", "https://rubygems.org/gems/evil"),
    ]


@pytest.mark.parametrize(("status", "body"), [(200, "{}"), (200, "["), (500, "")], ids=str)
def test_feed_failure_is_a_backend_error(mock_http, status, body):
    mock_http.get(FEED, status=status, body=body)

    with pytest.raises(BackendError):
        get_backend("Rubygems").check_feed(HttpClient())
