"""The Packagist backend: Composer package documents on packagist.org."""

from __future__ import annotations

import datetime as dt

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

URL = "https://packagist.org/packages/acme/foo.json"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "foo",
        "homepage": "https://acme.example/foo",
        "backend": "Packagist",
        "version_url": "acme",
    }
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Packagist").fetch(project, client or HttpClient())


RECORDED_ERRORS = {
    "packagist-2": "Package not found: https://packagist.org/packages/fake/fake.json",
    "packagist-4": "Packagist needs the package's vendor (owner/group) in the version URL field",
}


@pytest.mark.parametrize("case", recording_cases("packagist.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        assert str(recording_error(case)).startswith(RECORDED_ERRORS[case["id"]])
        return
    releases = fetch_recording(case)
    assert_matches_recording(case, releases)
    assert all(release.published_at is not None for release in releases)


def test_version_url_and_fields():
    backend = get_backend("Packagist")

    assert backend.version_url(spec()) == URL
    assert backend.fields["version_url"].label == "Packagist owner/group"
    assert set(backend.fields) == {"name", "version_url"}


def test_the_vendor_can_come_from_a_packagist_homepage():
    backend = get_backend("Packagist")
    project = spec(version_url=None, homepage="https://packagist.org/packages/acme/foo")

    assert backend.version_url(project) == URL
    # The version URL field wins over the homepage.
    assert backend.version_url(spec(homepage="https://packagist.org/packages/x/foo")) == URL


def test_every_version_key_is_a_version_with_its_time(mock_http):
    mock_http.get(
        URL,
        json={
            "package": {
                "name": "acme/foo",
                "versions": {
                    "dev-main": {"time": "2024-05-01T10:00:00+00:00"},
                    "v2.0.0": {"version": "v2.0.0", "time": "2024-04-01T12:00:00+02:00"},
                    "1.0.0": "junk",
                },
            }
        },
    )

    assert fetch(spec()) == [
        Release("dev-main", published_at=dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
        Release("v2.0.0", published_at=dt.datetime(2024, 4, 1, 10, tzinfo=dt.UTC)),
        Release("1.0.0"),
    ]


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (404, '{"status":"error","message":"Package not found"}', BackendError, "Package not"),
        (200, '{"status":"error","message":"' + "x" * 300 + '"}', BackendError, "x" * 200 + ":"),
        (200, '{"package": {"versions": []}}', BackendError, "no package versions"),
        (200, '["acme/foo"]', BackendError, "no package versions"),
    ],
    ids=["404-error-document", "long-message", "versions-not-an-object", "not-an-object"],
)
def test_unexpected_answers_are_readable_errors(mock_http, status, body, error, message):
    answer = {"status": status, "body": body}
    failure = upstream_failure(mock_http, URL, answer, error, lambda: fetch(spec()))
    assert message in str(failure)
