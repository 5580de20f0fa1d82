"""The GNOME backend: cache.json on download.gnome.org, with the folder as the fallback."""

from __future__ import annotations

import json

import pytest
import requests

from backends.base import BackendError, ProjectSpec, RateLimited
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    recording_error,
    replay,
    timeout_param,
)

FOLDER = "https://download.gnome.org/sources/foo/"
CACHE = f"{FOLDER}cache.json"
CACHE_JSON = json.dumps(
    [
        4,
        {"foo": {"1.0.0": {"tar.xz": "1.0/foo-1.0.0.tar.xz"}}},
        {"foo": ["1.0.0", "1.1.90", "1.2.0"]},
        {"1.0": ["LATEST-IS-1.0.0"]},
    ]
)
FOLDER_PAGE = (
    '<a href="../">Parent</a><a href="1.0/">1.0/</a><a href="1.2/">1.2/</a><a href="cache.json">'
)


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": "https://gitlab.gnome.org/GNOME/foo", "backend": "GNOME"}
    return ProjectSpec(**{**values, **fields})


def fetch(spec: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    backend = get_backend("GNOME")
    return [release.version for release in backend.fetch(spec, client or HttpClient())]


@pytest.mark.parametrize("case", recording_cases("gnome.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        # Both cache.json and the folder are missing: the error names the folder.
        error = recording_error(case)
        assert "https://download.gnome.org/sources/fake/ answered HTTP 404" in str(error)
        return
    assert case["expected"]["kind"] == "version"
    assert_matches_recording(case, fetch_recording(case))


def test_cache_json_lists_the_versions(mock_http):
    mock_http.get(CACHE, body=CACHE_JSON)

    assert fetch(spec()) == ["1.0.0", "1.1.90", "1.2.0"]
    assert len(mock_http.calls) == 1


@pytest.mark.parametrize(
    "cache",
    [
        pytest.param({"status": 404}, id="missing"),
        pytest.param({"body": "{not json"}, id="malformed"),
        pytest.param({"body": json.dumps({"foo": ["9.9"]})}, id="not-a-list"),
        pytest.param({"body": json.dumps([4, {}, {"bar": ["9.9"]}, {}])}, id="other-module"),
        pytest.param({"body": json.dumps([4, {}, {"foo": "9.9"}, {}])}, id="wrong-type"),
        pytest.param({"body": json.dumps([4, {}, {"foo": [1, None, " "]}, {}])}, id="no-strings"),
    ],
)
def test_an_unusable_cache_json_falls_back_to_the_folder(mock_http, cache):
    mock_http.get(CACHE, **cache)
    mock_http.get(FOLDER, body=FOLDER_PAGE)

    # The folder lists one subfolder per series: those are the versions Anitya found too.
    assert fetch(spec()) == ["1.0", "1.2"]


def test_only_the_cache_json_request_is_conditional(mock_http):
    mock_http.get(CACHE, status=404)
    mock_http.get(FOLDER, body=FOLDER_PAGE)

    fetch(spec(), HttpClient(etag='"abc"'))

    assert mock_http.calls[0].request.headers["If-None-Match"] == '"abc"'
    assert "If-None-Match" not in mock_http.calls[1].request.headers


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        pytest.param(
            {"status": 429, "headers": {"Retry-After": "60"}}, RateLimited, "Rate limit", id="429"
        ),
        timeout_param(f"the connection timed out .*\\({CACHE}\\)$"),
    ],
)
def test_failures_that_would_repeat_on_the_folder_do_not_fall_back(
    mock_http, answer, error, message
):
    mock_http.get(CACHE, **answer)
    mock_http.get(FOLDER, body=FOLDER_PAGE)

    with pytest.raises(error, match=message):
        fetch(spec())
    assert len(mock_http.calls) == 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        pytest.param({"status": 404}, f"{FOLDER} answered HTTP 404", id="404"),
        pytest.param({"status": 503}, f"{FOLDER} answered HTTP 503", id="5xx"),
        pytest.param({"body": "<a href="}, "foo: no upstream version found", id="malformed"),
        pytest.param({"body": ""}, "foo: no upstream version found", id="empty"),
        pytest.param(
            {"body": requests.exceptions.ConnectTimeout()},
            f"Could not connect to download.gnome.org port 443: the connection timed out "
            f"after 10 s. Is the server up? A firewall may also be dropping the connection. "
            f"({FOLDER})",
            id="timeout",
        ),
    ],
)
def test_folder_failures_after_a_missing_cache_are_readable(mock_http, answer, message):
    mock_http.get(CACHE, status=404)
    mock_http.get(FOLDER, **answer)

    with pytest.raises(BackendError) as raised:
        fetch(spec())
    assert message in str(raised.value)


def test_the_check_url_is_the_cache_json_of_the_module():
    backend = get_backend("GNOME")

    assert backend.version_url(spec(name="gnome-control-center")) == (
        "https://download.gnome.org/sources/gnome-control-center/cache.json"
    )
    assert set(backend.fields) == {"name"}
