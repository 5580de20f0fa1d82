"""GitHub: GraphQL tags and releases, pagination on a first check, every kind of rate limit.

Later checks first ask the REST API conditionally whether anything changed
(test_github_conditional.py); here the autouse :func:`repository_changed` always says it did,
so these tests see the GraphQL calls they always saw, after that one REST request.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams import github
from tests.backends.conftest import (
    apply_config,
    assert_matches_recording,
    fetch_recording,
    recorded_case,
    recording_cases,
    recording_error,
    replay,
)

API = "https://api.github.com/graphql"
COMMIT = "https://github.com/foo/bar/commit/"


@pytest.fixture(autouse=True)
def token(settings):
    settings.GITHUB_ACCESS_TOKEN = "s3cret"
    return settings


@pytest.fixture(autouse=True)
def repository_changed(request):
    """The REST API answers every conditional request of a later check: changed."""
    if "mock_http" in request.fixturenames:
        mock = request.getfixturevalue("mock_http")
        mock.get(re.compile(r"https://api\.github\.com/repos/.*"), json=[], headers=REST_BUDGET)


REST_BUDGET = {
    "ETag": '"changed"',
    "X-RateLimit-Limit": "5000",
    "X-RateLimit-Remaining": "4999",
    "X-RateLimit-Reset": str(int(time.time()) + 3600),
}


def graphql_calls(mock_http) -> list:
    return [call for call in mock_http.calls if call.request.method == "POST"]


def spec(**fields) -> ProjectSpec:
    values = {"name": "bar", "homepage": "https://github.com/foo/bar", "backend": "GitHub"}
    return ProjectSpec(**{**values, **fields})


def later(**fields) -> ProjectSpec:
    """A project checked before: only the newest page is read."""
    return spec(stored_versions=("0.1",), **fields)


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("GitHub").fetch(project, client or HttpClient())


def tag(name: str, commit: str = "abc", date: str = "2024-01-02T03:04:05Z") -> dict:
    return {"name": name, "target": {"commitUrl": COMMIT + commit, "committedDate": date}}


def page(nodes: list, *, next_cursor: str | None = None, remaining: int = 4000) -> dict:
    return {
        "data": {
            "repository": {
                "refs": {
                    "totalCount": len(nodes),
                    "pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor},
                    "nodes": nodes,
                }
            },
            "rateLimit": {"limit": 5000, "remaining": remaining, "resetAt": "2030-01-01T00:00:00Z"},
        }
    }


def sent(call) -> dict:
    return json.loads(call.request.body)


@pytest.mark.parametrize("case", recording_cases("github.json"))
def test_recorded_answers(mock_http, settings, case):
    settings.GITHUB_ACCESS_TOKEN = None
    apply_config(settings, case)
    replay(mock_http, case)
    expected = case["expected"]
    if expected["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    if expected["kind"] != "version":
        assert (expected["compare"], expected["order"]) == ("exact", "version_ascending")
    releases = fetch_recording(case)
    assert_matches_recording(case, releases)
    # The recordings carry commit URLs: every version links to its commit.
    assert all(r.commit_url.startswith("https://github.com/fedora-infra/") for r in releases)


def test_recorded_errors_say_what_github_answered(mock_http, settings):
    case = recorded_case("github.json", "github-1")
    replay(mock_http, case)
    assert str(recording_error(case)) == (
        "foobar: Server responded with following errors \n"
        '"NOT_FOUND": "Could not resolve to a Repository with the name \'bar\'."'
    )


def test_the_recorded_empty_repository_has_no_version(mock_http):
    case = recorded_case("github.json", "github-5")
    replay(mock_http, case)
    with pytest.raises(BackendError, match=r"^fpdc: No upstream version found\.$"):
        fetch_recording(case)


def test_the_recorded_bad_credentials_are_not_a_rate_limit(mock_http):
    # 401 with X-RateLimit-Remaining 0: a token problem, reported as Anitya did.
    case = recorded_case("github.json", "github-6")
    replay(mock_http, case)
    error = recording_error(case)
    assert not isinstance(error, RateLimited)
    assert str(error) == (
        'fedocal: Server responded with status "401": "Unauthorized" (Bad credentials)'
    )


def test_a_missing_token_fails_before_any_request(mock_http, settings):
    settings.GITHUB_ACCESS_TOKEN = ""
    with pytest.raises(BackendError) as raised:
        fetch(spec())
    assert str(raised.value) == (
        'Could not call : "https://api.github.com/graphql" of "bar", with error: '
        "github_access_token not configured"
    )
    assert len(mock_http.calls) == 0


def test_the_query_is_authenticated_newest_first_and_uses_variables(mock_http):
    mock_http.post(API, json=page([tag("1.0")]))

    # An owner that is not a GitHub name never reaches the query...
    with pytest.raises(BackendError, match="incorrectly set up"):
        fetch(later(version_url='evil"){x}/bar'))
    assert len(mock_http.calls) == 0

    fetch(later(version_url="foo/bar"))
    request = graphql_calls(mock_http)[0].request
    assert request.headers["Authorization"] == "bearer s3cret"
    body = sent(graphql_calls(mock_http)[0])
    # ...and names travel as variables, never spliced into the query text.
    assert body["variables"] == {"owner": "foo", "name": "bar", "first": 100, "cursor": None}
    assert 'refPrefix: "refs/tags/"' in body["query"]
    assert "direction: DESC" in body["query"]


def test_tags_carry_commit_urls_and_dates(mock_http):
    annotated = {
        "name": "v2.0",
        "target": {
            "commitUrl": COMMIT + "tagobject",
            "tagger": {"date": "2024-05-06T07:08:09+02:00"},
            "target": {"commitUrl": COMMIT + "c2", "committedDate": "2024-05-01T00:00:00Z"},
        },
    }
    mock_http.post(API, json=page([annotated, tag("v1.0", "c1", "2023-01-01T10:00:00Z")]))

    assert fetch(later()) == [
        # An annotated tag: the tagged commit, dated when the tag was made.
        Release("v2.0", COMMIT + "c2", dt.datetime(2024, 5, 6, 5, 8, 9, tzinfo=dt.UTC)),
        # A lightweight tag: its commit and that commit's date.
        Release("v1.0", COMMIT + "c1", dt.datetime(2023, 1, 1, 10, 0, tzinfo=dt.UTC)),
    ]


def test_hostile_nodes_are_skipped_not_crashed_on(mock_http):
    nodes = [
        None,
        {"name": 12},
        {"name": ""},
        {"name": "1.0", "target": "nope"},
        {"name": "1.1", "target": {"commitUrl": "javascript:alert(1)", "committedDate": 5}},
    ]
    mock_http.post(API, json=page(nodes))

    assert fetch(later()) == [Release("1.0"), Release("1.1")]


def test_releases_use_the_tag_name_and_skip_releases_without_tag(mock_http):
    nodes = [
        {
            "name": "The big one",
            "publishedAt": "2024-02-03T04:05:06Z",
            "createdAt": "2024-02-01T00:00:00Z",
            "tag": {"name": "v3.0", "target": {"commitUrl": COMMIT + "c3"}},
        },
        {"name": "Draft", "publishedAt": None, "createdAt": "2024-03-01T00:00:00Z", "tag": None},
        {
            "name": "Annotated",
            "publishedAt": None,
            "createdAt": "2023-03-01T00:00:00Z",
            "tag": {
                "name": "v2.9",
                "target": {"commitUrl": COMMIT + "obj", "target": {"commitUrl": COMMIT + "c29"}},
            },
        },
    ]
    answer = {"data": {"repository": {"releases": {"nodes": nodes}}, "rateLimit": {}}}
    mock_http.post(API, json=answer)

    releases = fetch(later(releases_only=True))

    assert releases == [
        Release("v3.0", COMMIT + "c3", dt.datetime(2024, 2, 3, 4, 5, 6, tzinfo=dt.UTC)),
        Release("v2.9", COMMIT + "c29", dt.datetime(2023, 3, 1, tzinfo=dt.UTC)),
    ]
    query = sent(graphql_calls(mock_http)[0])["query"]
    assert "releases(" in query and "CREATED_AT" in query


def test_releases_that_all_lack_a_tag_mean_no_version(mock_http):
    answer = {"data": {"repository": {"releases": {"nodes": [{"name": "x", "tag": None}]}}}}
    mock_http.post(API, json=answer)

    with pytest.raises(BackendError, match=r"^bar: No upstream version found\.$"):
        fetch(later(releases_only=True))


def test_a_first_check_reads_every_page_with_cursors(mock_http):
    mock_http.post(API, json=page([tag("3.0")], next_cursor="c1"))
    mock_http.post(API, json=page([tag("2.0")], next_cursor="c2"))
    mock_http.post(API, json=page([tag("1.0")]))

    versions = [r.version for r in fetch(spec())]

    assert versions == ["3.0", "2.0", "1.0"]
    assert [sent(call)["variables"]["cursor"] for call in mock_http.calls] == [None, "c1", "c2"]


def test_a_later_check_reads_the_newest_page_only(mock_http):
    mock_http.post(API, json=page([tag("3.0")], next_cursor="c1"))
    mock_http.post(API, json=page([tag("2.0")]))

    assert [r.version for r in fetch(later())] == ["3.0"]
    assert len(graphql_calls(mock_http)) == 1


def test_a_repeated_cursor_stops_the_paging(mock_http):
    mock_http.post(API, json=page([tag("1.0")], next_cursor="same"))

    fetch(spec())

    assert len(mock_http.calls) == 2


def test_paging_stops_at_the_cap(mock_http, monkeypatch):
    monkeypatch.setattr(github, "MAX_PAGES", 3)
    for number in range(10):
        mock_http.post(API, json=page([tag(f"{number}.0")], next_cursor=f"c{number}"))

    assert [r.version for r in fetch(spec())] == ["0.0", "1.0", "2.0"]
    assert len(mock_http.calls) == 3


def in_about(reset_at: dt.datetime, seconds: float) -> bool:
    return abs(reset_at.timestamp() - (time.time() + seconds)) < 30


# Hours ahead: the module is imported when the suite starts, which may be long before the test
# runs, and a reset already past is (rightly) not believed.
RESET = str(int(time.time()) + 6 * 3600)


@pytest.mark.parametrize(
    ("status", "headers", "body", "seconds"),
    [
        pytest.param(
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": RESET},
            {},
            None,
            id="403-primary-limit",
        ),
        pytest.param(403, {"Retry-After": "120"}, {}, 120, id="403-secondary-retry-after"),
        pytest.param(
            403,
            {},
            {"message": "You have exceeded a secondary rate limit. Please wait."},
            3600,
            id="403-secondary-in-body",
        ),
        pytest.param(429, {"Retry-After": "60"}, {}, 60, id="429-retry-after"),
        pytest.param(429, {}, {}, 3600, id="429-bare"),
        pytest.param(
            200,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": RESET},
            page([]),
            None,
            id="200-last-point-spent",
        ),
    ],
)
def test_http_rate_limits_become_rate_limited_on_github(mock_http, status, headers, body, seconds):
    mock_http.post(API, status=status, headers=headers, json=body)

    with pytest.raises(RateLimited) as raised:
        fetch(later())

    assert raised.value.scope == "api.github.com"
    if seconds is None:  # the reset GitHub names, to the second (not relative to "now")
        assert raised.value.reset_at.timestamp() == int(RESET)
    else:
        assert in_about(raised.value.reset_at, seconds)
    assert "Rate limit was reached" in str(raised.value)


def test_a_graphql_rate_limited_error_is_a_rate_limit(mock_http):
    reset = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    body = {
        "data": {"rateLimit": {"remaining": 3, "resetAt": reset.isoformat()}},
        "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}],
    }
    mock_http.post(API, json=body)

    with pytest.raises(RateLimited) as raised:
        fetch(later())

    assert raised.value.scope == "api.github.com"
    assert in_about(raised.value.reset_at, 20 * 60)


def test_an_exhausted_budget_in_the_body_is_a_rate_limit(mock_http):
    mock_http.post(API, json=page([tag("1.0")], remaining=0))

    with pytest.raises(RateLimited) as raised:
        fetch(later())

    # resetAt is in 2030: never believed further than a day away.
    assert in_about(raised.value.reset_at, 24 * 3600)


def test_other_graphql_errors_list_every_error(mock_http):
    body = {
        "data": None,
        "errors": [
            {"type": "FORBIDDEN", "message": "Resource not accessible"},
            {"message": "Something else"},
            "junk",
        ],
    }
    mock_http.post(API, json=body)

    with pytest.raises(BackendError) as raised:
        fetch(later())

    assert not isinstance(raised.value, RateLimited)
    assert str(raised.value) == (
        "bar: Server responded with following errors \n"
        '"FORBIDDEN": "Resource not accessible"\n'
        '"ERROR": "Something else"\n'
        '"ERROR": "unknown error"'
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param(
            {"status": 403, "json": {"message": "Resource protected by SAML"}},
            r'"403": "Forbidden" \(Resource protected by SAML\)',
            id="403-not-a-limit",
        ),
        pytest.param({"json": ["a", "list"]}, "not an object", id="not-an-object"),
        pytest.param({"json": {}}, "without data", id="no-data"),
        pytest.param(
            {"json": {"data": {"repository": None}}}, "without the repository", id="no-repository"
        ),
        pytest.param(
            {"json": {"data": {"repository": {"refs": "x"}}}},
            "No upstream version found",
            id="wrong-types",
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, message):
    mock_http.post(API, **answer)

    with pytest.raises(BackendError, match=message) as raised:
        fetch(later())
    assert not isinstance(raised.value, RateLimited)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "https://github.com/foo/bar/tags"),
        ({"releases_only": True}, "https://github.com/foo/bar/releases"),
        ({"version_url": "fedora-infra/anitya"}, "https://github.com/fedora-infra/anitya/tags"),
        ({"version_url": "https://github.com/a-b/c.d.git"}, "https://github.com/a-b/c.d/tags"),
        ({"version_url": "github.com/o/r/tree/main"}, "https://github.com/o/r/tags"),
        ({"homepage": "https://github.com/fedora-infra/pkgdb2/"}, None),
        ({"homepage": "https://github.com/foo"}, ""),
        ({"homepage": "https://gitlab.com/foo/bar"}, ""),
        ({"version_url": "https://gitlab.com/foo/bar"}, ""),
        ({"version_url": "only-owner"}, ""),
    ],
)
def test_the_version_url_shown_on_the_project_page(fields, expected):
    project = spec(**fields)
    if expected is None:
        expected = "https://github.com/fedora-infra/pkgdb2/tags"
    assert get_backend("GitHub").version_url(project) == expected


def test_a_homepage_that_is_no_repository_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Project foo was incorrectly set up"):
        fetch(spec(name="foo", homepage="https://github.com/foo"))
    assert len(mock_http.calls) == 0


def test_the_form_shows_the_github_fields():
    fields = get_backend("GitHub").fields
    assert fields["version_url"].label == "GitHub owner/project"
    assert fields["releases_only"].label == "Check releases instead of tags"


def test_anitya_style_edges_with_junk_are_read(mock_http):
    edges = [None, {"node": None}, {"cursor": "x"}, {"node": tag("1.0")}]
    mock_http.post(API, json={"data": {"repository": {"refs": {"edges": edges}}}})

    assert [r.version for r in fetch(later())] == ["1.0"]
