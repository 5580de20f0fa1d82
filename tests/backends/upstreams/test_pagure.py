"""pagure.io: the tags of a project, with their commits."""

from __future__ import annotations

import pytest

from backends.base import BackendError, ProjectSpec, Release
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

API = "https://pagure.io/api/0/fedora-infra/tool/git/tags"


def spec(**fields) -> ProjectSpec:
    values = {"name": "fedora-infra/tool", "homepage": "https://pagure.io/x", "backend": "pagure"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("pagure").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("pagure.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)).strip()
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_tags_with_commits_link_to_them(mock_http):
    mock_http.get(
        API,
        json={"total_tags": 2, "tags": {"1.0": "abc123", "0.9": "def456", "junk": ["x"]}},
    )

    assert fetch(spec()) == [
        Release("1.0", "https://pagure.io/fedora-infra/tool/c/abc123"),
        Release("0.9", "https://pagure.io/fedora-infra/tool/c/def456"),
        Release("junk"),
    ]
    assert "with_commits=true" in mock_http.calls[0].request.url


def test_a_plain_list_of_tags_is_understood(mock_http):
    mock_http.get(API, json={"total_tags": 2, "tags": ["1.0", 7, "", "0.9"]})

    assert fetch(spec()) == [Release("1.0"), Release("0.9")]


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            {"status": 404, "json": {"error": "Project not found", "error_code": "ENOPROJECT"}},
            BackendError,
            r"^fedora-infra/tool: Project not found - https://pagure.io/api/0/fedora-infra/tool",
            id="404",
        ),
        pytest.param({"json": ["1.0"]}, BackendError, "not an object", id="list"),
        pytest.param({"json": {"tags": []}}, BackendError, "no upstream version", id="no-tags"),
        pytest.param({"json": {"tags": "1.0"}}, BackendError, "no upstream version", id="string"),
        pytest.param(
            {"json": {"error": "Something broke"}}, BackendError, "Something broke", id="error"
        ),
    ],
)
def test_unexpected_answers_are_readable_errors(mock_http, answer, error, message):
    upstream_failure(mock_http, API, answer, error, lambda: fetch(spec()), match=message)


def test_the_version_url_shown_on_the_project_page():
    assert get_backend("pagure").version_url(spec()) == API
    assert get_backend("pagure").version_url(spec(name="pagure")) == (
        "https://pagure.io/api/0/pagure/git/tags"
    )


def test_the_form_asks_for_the_project_name():
    assert get_backend("pagure").fields["name"].required
