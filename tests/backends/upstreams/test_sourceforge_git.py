"""Sourceforge (git): tags listed on a repository's tags page."""

from __future__ import annotations

import pytest
from bs4 import ParserRejectedMarkup

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams import sourceforge_git
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

TAGS = "https://sourceforge.net/p/proj/code/ref/master/tags/"
PAGE = """<html><body>
<div id="sidebar"><ul class="sidebarmenu">
  <li><a href="/p/proj/code/ci/sidebar-only/tree/"><span>sidebar-only</span></a></li>
</ul></div>
<div class="grid-19">
  <a href="/p/proj/code/ci/2.0/tree/">2.0</a><br>
  <a href="/p/proj/code/ci/release/1.5/~/tree/">release/1.5</a><br>
  <a href="/p/other/code/ci/9.9/tree/">9.9</a><br>
  <a href="/p/proj/code/ci/1.0/tree/">1.0</a><br>
  <a href="/p/proj/code/ci/2.0/tree/">2.0</a><br>
</div></body></html>"""


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "proj",
        "homepage": "https://sourceforge.net/p/proj/code/ci/master/tree/",
        "backend": "Sourceforge (git)",
    }
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Sourceforge (git)").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("sourceforge-git.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_the_recorded_page_lists_the_tags_not_the_sidebar(mock_http):
    case = recorded_case("sourceforge-git.json", "sourceforge-git-1")
    replay(mock_http, case)

    releases = fetch(make_spec(case))

    versions = [r.version for r in releases]
    assert versions[:3] == ["2.2.0-rc1", "JSBSim/v1.1.1", "last-automake"]
    assert "More Tags" not in versions and "master" not in versions
    assert releases[0].commit_url == (
        "https://sourceforge.net/p/flightgear/flightgear/ci/2.2.0-rc1/"
    )


def test_only_this_repositorys_tag_links_count_once(mock_http):
    mock_http.get(TAGS, body=PAGE)

    assert fetch(spec()) == [
        Release("2.0", "https://sourceforge.net/p/proj/code/ci/2.0/"),
        Release("release/1.5", "https://sourceforge.net/p/proj/code/ci/release/1.5/~/"),
        Release("1.0", "https://sourceforge.net/p/proj/code/ci/1.0/"),
    ]


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            {"body": "<html><div class='grid-19'></div>"},
            BackendError,
            "proj: no upstream version found",
            id="no-tags",
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, TAGS, answer, error, lambda: fetch(spec()), match=message)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, TAGS),
        (
            {"homepage": "https://sourceforge.net/p/proj/"},
            "https://sourceforge.net/p/proj/git/ref/master/tags/",
        ),
        (
            {"homepage": "https://example.org"},
            "https://sourceforge.net/p/proj/git/ref/master/tags/",
        ),
        ({"version_url": "zsh"}, "https://sourceforge.net/p/zsh/git/ref/master/tags/"),
        (
            {"version_url": "https://sourceforge.net/p/proj/code/ref/next/tags/"},
            "https://sourceforge.net/p/proj/code/ref/next/tags/",
        ),
        ({"version_url": "https://sourceforge.net/p/proj/code/"}, TAGS),
    ],
)
def test_the_version_url_shown_on_the_project_page(fields, expected):
    assert get_backend("Sourceforge (git)").version_url(spec(**fields)) == expected


def test_a_ref_page_given_as_version_url_is_read_with_its_repository(mock_http):
    url = "https://sourceforge.net/p/proj/code/ref/next/tags/"
    mock_http.get(url, body=PAGE)

    assert [r.version for r in fetch(spec(version_url=url))] == ["2.0", "release/1.5", "1.0"]


def test_the_form_shows_the_sourceforge_field():
    assert get_backend("Sourceforge (git)").fields["version_url"].label == "Sourceforge name"


def test_a_page_the_parser_rejects_is_a_backend_error(mock_http, monkeypatch):
    def reject(*args, **kwargs):
        raise ParserRejectedMarkup("bad markup")

    monkeypatch.setattr(sourceforge_git, "BeautifulSoup", reject)
    mock_http.get(TAGS, body="<html>")

    with pytest.raises(BackendError, match="the page could not be parsed"):
        fetch(spec())
