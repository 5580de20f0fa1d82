"""GitLab: tags of any instance, subgroups, pagination on a first check, conditional requests."""

from __future__ import annotations

import datetime as dt

import pytest
from responses import matchers

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams import gitlab
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    make_spec,
    recorded_case,
    recording_cases,
    recording_error,
    replay,
    upstream_failure,
)

API = "https://gitlab.example.org/api/v4/projects/group%2Fsub%2Fproj/repository/tags"
WEB = "https://gitlab.example.org/group/sub/proj"


def spec(**fields) -> ProjectSpec:
    values = {"name": "proj", "homepage": WEB + "/", "backend": "GitLab"}
    return ProjectSpec(**{**values, **fields})


def later(**fields) -> ProjectSpec:
    return spec(stored_versions=("0.1",), **fields)


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("GitLab").fetch(project, client or HttpClient())


def tag(name: str, commit: str = "c0ffee", **extra) -> dict:
    return {
        "name": name,
        "commit": {"id": commit, "created_at": "2024-01-02T03:04:05.000+01:00"},
        "release": None,
        **extra,
    }


def page_matcher(number: int):
    return matchers.query_param_matcher({"per_page": "100", "page": str(number)})


@pytest.mark.parametrize("case", recording_cases("gitlab.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_the_recorded_tags_link_their_commits_and_dates(mock_http):
    case = recorded_case("gitlab.json", "gitlab-3")
    replay(mock_http, case)

    newest = fetch(make_spec(case))[0]

    assert newest == Release(
        "xonotic-v0.8.2",
        "https://gitlab.com/xonotic/xonotic/-/commit/b0fef534526f470a1b3fc97f61206d454889656c",
        dt.datetime(2017, 3, 30, 19, 23, 9, tzinfo=dt.UTC),
    )


def test_the_recorded_empty_project_has_no_version(mock_http):
    case = recorded_case("gitlab.json", "gitlab-4")
    replay(mock_http, case)

    with pytest.raises(BackendError, match=r"^No upstream version found\.$"):
        fetch(make_spec(case))


def test_subgroups_are_one_encoded_path_and_commits_link_to_the_web(mock_http):
    mock_http.get(API, json=[tag("v1.0", "abc123")])

    assert fetch(later()) == [
        Release("v1.0", WEB + "/-/commit/abc123", dt.datetime(2024, 1, 2, 2, 4, 5, tzinfo=dt.UTC))
    ]


def test_a_release_date_wins_over_the_commit_date(mock_http):
    release = {"tag_name": "v2.0", "created_at": "2024-06-01T00:00:00Z"}
    mock_http.get(API, json=[tag("v2.0", release=release)])

    assert fetch(later())[0].published_at == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def test_a_first_check_follows_x_next_page(mock_http):
    mock_http.get(API, match=[page_matcher(1)], json=[tag("3.0")], headers={"X-Next-Page": "2"})
    mock_http.get(API, match=[page_matcher(2)], json=[tag("2.0")], headers={"X-Next-Page": "3"})
    mock_http.get(API, match=[page_matcher(3)], json=[tag("1.0")], headers={"X-Next-Page": ""})

    assert [r.version for r in fetch(spec())] == ["3.0", "2.0", "1.0"]


def test_a_first_check_follows_the_link_header_without_x_next_page(mock_http):
    next_url = API + "?id=group%2Fsub%2Fproj&page=2&per_page=100&pagination=keyset"
    mock_http.get(
        API,
        match=[page_matcher(1)],
        json=[tag("2.0")],
        headers={"Link": f'<{next_url}>; rel="next", <{API}?page=1>; rel="first"'},
    )
    mock_http.get(next_url, json=[tag("1.0")])

    assert [r.version for r in fetch(spec())] == ["2.0", "1.0"]


def test_a_link_to_another_host_is_not_followed(mock_http):
    mock_http.get(
        API,
        json=[tag("2.0")],
        headers={"Link": '<https://elsewhere.example.com/steal?page=2>; rel="next"'},
    )

    assert [r.version for r in fetch(spec())] == ["2.0"]
    assert len(mock_http.calls) == 1


def test_a_later_check_reads_the_first_page_only(mock_http):
    mock_http.get(API, json=[tag("3.0")], headers={"X-Next-Page": "2"})

    assert [r.version for r in fetch(later())] == ["3.0"]
    assert len(mock_http.calls) == 1


def test_an_upstream_repeating_its_page_does_not_loop(mock_http):
    mock_http.get(API, json=[tag("1.0")], headers={"X-Next-Page": "2"})

    assert [r.version for r in fetch(spec())] == ["1.0"]
    assert len(mock_http.calls) == 2


def test_paging_stops_at_the_cap(mock_http, monkeypatch):
    monkeypatch.setattr(gitlab, "MAX_PAGES", 2)
    for number in range(1, 5):
        mock_http.get(
            API,
            match=[page_matcher(number)],
            json=[tag(f"{number}.0")],
            headers={"X-Next-Page": str(number + 1)},
        )

    assert [r.version for r in fetch(spec())] == ["1.0", "2.0"]


def test_later_pages_are_not_conditional(mock_http):
    mock_http.get(API, match=[page_matcher(1)], json=[tag("2.0")], headers={"X-Next-Page": "2"})
    mock_http.get(API, match=[page_matcher(2)], json=[tag("1.0")])

    fetch(spec(), HttpClient(etag='W/"abc"'))

    assert "If-None-Match" in mock_http.calls[0].request.headers
    assert "If-None-Match" not in mock_http.calls[1].request.headers


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            {"json": {"message": "401 Unauthorized"}}, BackendError, "not a tag list", id="object"
        ),
        pytest.param(
            {"json": [None, {"name": 3}, {"commit": "x"}]},
            BackendError,
            "No upstream version found",
            id="junk-items",
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, API, answer, error, lambda: fetch(later()), match=message)


def test_a_rate_limit_is_scoped_to_the_instance(mock_http):
    mock_http.get(API, status=429, headers={"Retry-After": "30"})

    with pytest.raises(RateLimited) as raised:
        fetch(later())
    assert raised.value.scope == "gitlab.example.org"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, API),
        ({"version_url": "https://gitlab.com/foo/bar.git"}, None),
        ({"version_url": "https://gitlab.com/foo/bar/-/tags?sort=x"}, None),
        ({"homepage": "https://gitlab.com/foo/bar"}, None),
        ({"homepage": "https://gitlab.com/foo"}, ""),
        ({"homepage": "gitlab.com/foo/bar/baz"}, ""),
        ({"homepage": "ftp://gitlab.com/foo/bar"}, ""),
    ],
)
def test_the_version_url_shown_on_the_project_page(fields, expected):
    if expected is None:
        expected = "https://gitlab.com/api/v4/projects/foo%2Fbar/repository/tags"
    assert get_backend("GitLab").version_url(spec(**fields)) == expected


def test_a_url_without_a_project_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Project proj was incorrectly set up"):
        fetch(spec(homepage="https://gitlab.com/foo"))
    assert len(mock_http.calls) == 0


def test_the_form_shows_the_gitlab_field():
    assert get_backend("GitLab").fields["version_url"].label == "GitLab project url"
