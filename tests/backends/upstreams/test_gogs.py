"""Gogs: tags from the HTML releases page."""

from __future__ import annotations

import pytest
from bs4 import ParserRejectedMarkup

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams import gogs
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

PAGE_URL = "https://gogs.example.org/owner/repo/releases"
SHA = "42772f78e25a13f2bddb6ef2b80ee89bec5f7572"
PAGE = f"""<html><body><ul id="release-list">
<li class="ui grid">
  <div class="ui four wide column meta">
    <span class="tag text blue">
      <a href="/owner/repo/src/v2.0" rel="nofollow"><i class="tag icon"></i> v2.0</a>
    </span>
    <span class="commit">
      <a href="/owner/repo/src/{SHA}" rel="nofollow"><i class="code icon"></i> 42772f78e2</a>
    </span>
  </div>
  <div class="ui twelve wide column detail">
    <h3><a href="/owner/repo/releases/tag/v2.0">The 2.0 release, finally</a></h3>
  </div>
</li>
<li class="ui grid">
  <div class="ui twelve wide column detail">
    <h4><a href="/owner/repo/src/v1.0" rel="nofollow"><i class="tag icon"></i> v1.0</a></h4>
  </div>
</li>
</ul>
<i class="tag icon"></i> not-in-a-link
<a href="#"><i class="tag"></i> no-icon-class</a>
</body></html>"""


def spec(**fields) -> ProjectSpec:
    values = {"name": "repo", "homepage": "https://gogs.example.org/owner/repo", "backend": "Gogs"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Gogs").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("gogs.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_the_recorded_page_gives_every_tag_with_its_commit(mock_http):
    case = recorded_case("gogs.json", "gogs-1")
    replay(mock_http, case)

    assert fetch(make_spec(case)) == [
        Release("20220710", f"https://notabug.org/libreboot/lbmk/commit/{SHA}"),
        Release(
            "20211122",
            "https://notabug.org/libreboot/lbmk/commit/44bd1da8f4a65f2b83e9a5ef9a47f2bd5eea5a28",
        ),
        Release(
            "20210522",
            "https://notabug.org/libreboot/lbmk/commit/aab1d8741519ef5d494203e8a2417edcb24ecfef",
        ),
    ]


def test_releases_and_bare_tags_are_read_by_their_tag_not_their_title(mock_http):
    mock_http.get(PAGE_URL, body=PAGE)

    assert fetch(spec()) == [
        Release("v2.0", f"https://gogs.example.org/owner/repo/commit/{SHA}"),
        Release("v1.0"),
    ]


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            {"body": "<html><ul id='release-list'></ul>"},
            BackendError,
            "repo: no upstream version found",
            id="no-release",
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, PAGE_URL, answer, error, lambda: fetch(spec()), match=message)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, PAGE_URL),
        ({"homepage": "https://gogs.example.org/owner/repo.git/"}, PAGE_URL),
        (
            {"homepage": "x", "version_url": "https://gogs.example.org/owner/repo/releases"},
            PAGE_URL,
        ),
        ({"homepage": "https://gogs.io/project_with_malformed_url"}, ""),
        ({"homepage": "gogs.example.org/owner/repo/x"}, ""),
    ],
)
def test_the_version_url_shown_on_the_project_page(fields, expected):
    assert get_backend("Gogs").version_url(spec(**fields)) == expected


def test_a_malformed_url_is_a_setup_error(mock_http):
    with pytest.raises(BackendError, match="Project repo was incorrectly set up"):
        fetch(spec(homepage="https://gogs.io/project_with_malformed_url"))
    assert len(mock_http.calls) == 0


def test_the_form_shows_the_gogs_field():
    assert get_backend("Gogs").fields["version_url"].label == "Gogs project url"


def test_a_page_the_parser_rejects_is_a_backend_error(mock_http, monkeypatch):
    def reject(*args, **kwargs):
        raise ParserRejectedMarkup("bad markup")

    monkeypatch.setattr(gogs, "BeautifulSoup", reject)
    mock_http.get(PAGE_URL, body="<html>")

    with pytest.raises(BackendError, match="the page could not be parsed"):
        fetch(spec())
