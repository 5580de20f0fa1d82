"""The Homebrew and Homebrew Cask backends: one formula's or cask's current version.

Hand-written answers follow Homebrew's JSON API documentation
(https://formulae.brew.sh/docs/api/: ``GET /api/formula/<name>.json`` and
``GET /api/cask/<token>.json``) and the shape of its samples, which the recordings
(homebrew.json, homebrew-cask.json) hold.
"""

from __future__ import annotations

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.ecosystems import ecosystem_for_backend
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
)

FORMULA = "https://formulae.brew.sh/api/formula/wget.json"
CASK = "https://formulae.brew.sh/api/cask/firefox.json"


def formula(**fields) -> ProjectSpec:
    values = {"name": "wget", "homepage": "https://www.gnu.org/software/wget/"}
    return ProjectSpec(**{**values, "backend": "Homebrew", **fields})


def cask(**fields) -> ProjectSpec:
    values = {"name": "firefox", "homepage": "https://www.mozilla.org/firefox/"}
    return ProjectSpec(**{**values, "backend": "Homebrew Cask", **fields})


def fetch(project: ProjectSpec) -> list[Release]:
    return get_backend(project.backend).fetch(project, HttpClient())


@pytest.mark.parametrize(
    "case", [*recording_cases("homebrew.json"), *recording_cases("homebrew-cask.json")]
)
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)

    assert_matches_recording(case, fetch_recording(case))


def test_version_urls_fields_and_ecosystems():
    assert get_backend("Homebrew").version_url(formula()) == FORMULA
    assert get_backend("Homebrew Cask").version_url(cask()) == CASK
    for name in ("Homebrew", "Homebrew Cask"):
        assert set(get_backend(name).fields) == {"name", "version_url"}
    # A formula and a cask may share a name (docker): two namespaces, two ecosystems.
    assert ecosystem_for_backend("Homebrew").name == "homebrew"
    assert ecosystem_for_backend("Homebrew Cask").name == "homebrew-cask"


def test_a_formula_revision_is_not_part_of_the_version(mock_http):
    mock_http.get(FORMULA, json={"name": "wget", "versions": {"stable": "1.24.5"}, "revision": 2})

    assert fetch(formula()) == [Release("1.24.5")]


def test_names_with_at_and_plus_are_requested_as_spelled(mock_http):
    url = "https://formulae.brew.sh/api/formula/openssl@3.json"
    mock_http.get(url, json={"name": "openssl@3", "versions": {"stable": "3.3.1"}})

    assert get_backend("Homebrew").version_url(formula(name="openssl@3")) == url
    assert fetch(formula(name="openssl@3")) == [Release("3.3.1")]


def test_a_cask_version_drops_its_build_identifiers(mock_http):
    mock_http.get(CASK, json={"token": "firefox", "version": "128.0,build2"})

    assert fetch(cask()) == [Release("128.0")]


def test_a_cask_without_a_version_has_nothing_to_watch(mock_http):
    mock_http.get(CASK, json={"token": "firefox", "version": "latest"})

    with pytest.raises(BackendError, match='the cask "firefox" declares no version'):
        fetch(cask())


@pytest.mark.parametrize(
    ("project", "url", "message"),
    [
        (formula(), FORMULA, f'No formula "wget" in Homebrew: {FORMULA}'),
        (cask(), CASK, f'No cask "firefox" in Homebrew: {CASK}'),
    ],
    ids=["formula", "cask"],
)
def test_an_unknown_name_is_named_with_the_request(mock_http, project, url, message):
    # formulae.brew.sh is a static site: an unknown name is GitHub Pages' 404 page.
    mock_http.get(url, status=404, body="<html>404</html>", content_type="text/html")

    with pytest.raises(BackendError) as raised:
        fetch(project)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("project", "url", "body", "message"),
    [
        (formula(), FORMULA, [], "not a JSON object"),
        (formula(), FORMULA, {"versions": {"stable": None, "head": "HEAD"}}, "no stable version"),
        (formula(), FORMULA, {"versions": ["1.0"]}, "no stable version"),
        (formula(), FORMULA, {"versions": {"stable": 1.0}}, "no stable version"),
        (cask(), CASK, {"token": "firefox"}, 'the cask "firefox" has no version'),
        (cask(), CASK, {"version": ["128.0"]}, 'the cask "firefox" has no version'),
        (cask(), CASK, {"version": ",build2"}, "declares no version"),
    ],
    ids=[
        "not-an-object",
        "head-only",
        "versions-list",
        "stable-number",
        "no-version",
        "version-list",
        "only-a-build",
    ],
)
def test_malformed_answers_are_readable_errors(mock_http, project, url, body, message):
    mock_http.get(url, json=body)

    with pytest.raises(BackendError, match=message):
        fetch(project)


def test_a_mirror_is_read_from_the_version_url(mock_http):
    project = formula(version_url="https://brew-api.example.org/api/")
    url = "https://brew-api.example.org/api/formula/wget.json"
    mock_http.get(url, json={"name": "wget", "versions": {"stable": "1.24.5"}})

    assert get_backend("Homebrew").version_url(project) == url
    assert fetch(project) == [Release("1.24.5")]
    assert get_backend("Homebrew").rate_limit_scope(project) == "brew-api.example.org"


def test_a_rate_limit_defers_the_host(mock_http):
    mock_http.get(CASK, status=429, headers={"Retry-After": "30"})

    with pytest.raises(RateLimited) as raised:
        fetch(cask())
    assert raised.value.scope == "formulae.brew.sh"


@pytest.mark.parametrize("version_url", ["file:///etc/", "https://brew.example.org/api#x", "brew"])
def test_a_version_url_that_is_no_api_address_is_refused(mock_http, version_url):
    with pytest.raises(BackendError, match="is not the address of a Homebrew API"):
        fetch(formula(version_url=version_url))
    assert not mock_http.calls


@pytest.mark.parametrize(
    "name", ["../formula/wget", "homebrew/core/wget", "user/tap/tool", "wget.json?x", "", ".x"]
)
def test_names_that_are_no_formula_names_are_refused_before_any_request(mock_http, name):
    with pytest.raises(BackendError, match="is not a valid Homebrew formula name"):
        fetch(formula(name=name))
    assert not mock_http.calls
