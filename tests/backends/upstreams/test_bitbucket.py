"""BitBucket: tags through the API 2.0, newest commit first, every page on a first check.

There is no recording: the answers below follow the documented shape of
``GET /2.0/repositories/{workspace}/{repo_slug}/refs/tags``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from responses import matchers

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams import bitbucket
from tests.backends.conftest import upstream_failure

API = "https://api.bitbucket.org/2.0/repositories/berkeleylab/upcxx/refs/tags"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "upcxx",
        "homepage": "https://bitbucket.org/berkeleylab/upcxx/src/master/",
        "backend": "BitBucket",
    }
    return ProjectSpec(**{**values, **fields})


def later(**fields) -> ProjectSpec:
    return spec(stored_versions=("0.1",), **fields)


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("BitBucket").fetch(project, client or HttpClient())


def tag(name: str, commit: str = "4a7b9d1", date: str = "2023-09-27T18:04:37+00:00") -> dict:
    return {
        "name": name,
        "type": "tag",
        "message": f"Release {name}\n",
        "date": "2023-09-28T00:00:00+00:00",
        "tagger": {"raw": "Dan Bonachea <dobonachea@lbl.gov>", "type": "author"},
        "links": {
            "self": {"href": f"{API}/{name}"},
            "commits": {
                "href": f"https://api.bitbucket.org/2.0/repositories/berkeleylab/upcxx/commits/{name}"
            },
            "html": {"href": f"https://bitbucket.org/berkeleylab/upcxx/commits/tag/{name}"},
        },
        "target": {
            "type": "commit",
            "hash": commit,
            "date": date,
            "message": "Bump version\n",
            "links": {
                "self": {
                    "href": f"https://api.bitbucket.org/2.0/repositories/berkeleylab/upcxx/commit/{commit}"
                },
                "html": {"href": f"https://bitbucket.org/berkeleylab/upcxx/commits/{commit}"},
            },
            "parents": [],
        },
    }


def answer(tags: list, *, page: int = 1, next_url: str | None = None) -> dict:
    body = {"pagelen": 100, "values": tags, "page": page, "size": 250}
    if next_url:
        body["next"] = next_url
    return body


def page_url(number: int) -> str:
    return f"{API}?sort=-target.date&pagelen=100&page={number}"


def test_tags_carry_the_commit_page_and_commit_date(mock_http):
    mock_http.get(
        API,
        match=[matchers.query_param_matcher({"sort": "-target.date", "pagelen": "100"})],
        json=answer(
            [
                tag("upcxx-2023.9.0", "abc"),
                tag("upcxx-2023.3.0", "def", "2023-03-30T10:00:00-07:00"),
            ]
        ),
    )

    assert fetch(later()) == [
        Release(
            "upcxx-2023.9.0",
            "https://bitbucket.org/berkeleylab/upcxx/commits/abc",
            dt.datetime(2023, 9, 27, 18, 4, 37, tzinfo=dt.UTC),
        ),
        Release(
            "upcxx-2023.3.0",
            "https://bitbucket.org/berkeleylab/upcxx/commits/def",
            dt.datetime(2023, 3, 30, 17, 0, tzinfo=dt.UTC),
        ),
    ]


def test_a_first_check_follows_next_through_every_page(mock_http):
    mock_http.get(
        API,
        match=[matchers.query_param_matcher({"sort": "-target.date", "pagelen": "100"})],
        json=answer([tag("3.0")], next_url=page_url(2)),
    )
    mock_http.get(page_url(2), json=answer([tag("2.0")], page=2, next_url=page_url(3)))
    mock_http.get(page_url(3), json=answer([tag("1.0")], page=3))

    assert [r.version for r in fetch(spec())] == ["3.0", "2.0", "1.0"]


def test_a_later_check_reads_the_newest_page_only(mock_http):
    mock_http.get(API, json=answer([tag("3.0")], next_url=page_url(2)))

    assert [r.version for r in fetch(later())] == ["3.0"]
    assert len(mock_http.calls) == 1


def test_a_next_link_elsewhere_is_not_followed(mock_http):
    mock_http.get(API, json=answer([tag("3.0")], next_url="https://evil.example.com/?page=2"))

    assert [r.version for r in fetch(spec())] == ["3.0"]
    assert len(mock_http.calls) == 1


def test_a_repeated_next_link_does_not_loop(mock_http):
    mock_http.get(API, json=answer([tag("3.0")], next_url=page_url(2)))

    fetch(spec())

    assert len(mock_http.calls) == 2


def test_paging_stops_at_the_cap(mock_http, monkeypatch):
    monkeypatch.setattr(bitbucket, "MAX_PAGES", 2)
    mock_http.get(
        API,
        match=[matchers.query_param_matcher({"sort": "-target.date", "pagelen": "100"})],
        json=answer([tag("3.0")], next_url=page_url(2)),
    )
    mock_http.get(page_url(2), json=answer([tag("2.0")], next_url=page_url(3)))
    mock_http.get(page_url(3), json=answer([tag("1.0")]))

    assert [r.version for r in fetch(spec())] == ["3.0", "2.0"]


def test_the_version_filter_is_left_to_the_pipeline(mock_http):
    # Anitya's BitBucket ignored version_filter; backends never filter, the pipeline does.
    mock_http.get(API, json=answer([tag("1.0-beta"), tag("0.9")]))

    assert [r.version for r in fetch(later(version_filter="beta"))] == ["1.0-beta", "0.9"]


def test_hostile_values_are_skipped(mock_http):
    mock_http.get(
        API,
        json=answer(
            [None, {"name": 5}, {"name": "1.0", "target": {"links": {"html": "x"}, "date": 3}}]
        ),
    )

    assert fetch(later()) == [Release("1.0")]


@pytest.mark.parametrize(
    ("answer_", "error", "message"),
    [
        pytest.param({"json": {"values": "x"}}, BackendError, "no list of tags", id="wrong-type"),
        pytest.param({"json": answer([])}, BackendError, "upcxx: no upstream version", id="none"),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer_, error, message):
    upstream_failure(mock_http, API, answer_, error, lambda: fetch(later()), match=message)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, API + "?sort=-target.date"),
        (
            {"homepage": "https://bitbucket.org/berkeleylab/upcxx/downloads/"},
            API + "?sort=-target.date",
        ),
        ({"homepage": "x", "version_url": "berkeleylab/upcxx"}, API + "?sort=-target.date"),
        (
            {"version_url": "https://bitbucket.org/berkeleylab/upcxx.git"},
            API + "?sort=-target.date",
        ),
        ({"homepage": "https://bitbucket.org/berkeleylab"}, ""),
        ({"homepage": "https://github.com/berkeleylab/upcxx"}, ""),
        ({"version_url": "a b/c"}, ""),
    ],
)
def test_the_version_url_shown_on_the_project_page(fields, expected):
    assert get_backend("BitBucket").version_url(spec(**fields)) == expected


def test_a_project_without_repository_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Project upcxx was incorrectly set up"):
        fetch(spec(homepage="https://bitbucket.org/"))
    assert len(mock_http.calls) == 0


def test_the_form_shows_the_bitbucket_field():
    assert get_backend("BitBucket").fields["version_url"].label == "BitBucket owner/project"
