"""The Stackage backend: the "Latest on Hackage" version of a stackage.org package page."""

from __future__ import annotations

import re

import pytest

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
)

URL = "https://www.stackage.org/package/foo"


def spec(**fields) -> ProjectSpec:
    values = {"name": "foo", "homepage": URL, "backend": "Stackage"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Stackage").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("stackage.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        # stackage-2 (foobar) has no recorded answer: the connection fails.
        with pytest.raises(
            BackendError, match=re.escape("https://www.stackage.org/package/foobar")
        ):
            fetch_recording(case)
        return
    assert_matches_recording(case, fetch_recording(case))


def test_version_url_and_fields():
    backend = get_backend("Stackage")

    assert backend.version_url(spec()) == URL
    assert set(backend.fields) == {"name"}


def test_only_the_latest_hackage_version_counts(mock_http):
    page = (
        '<a href="https://www.stackage.org/lts-22.0/package/foo">LTS</a>: '
        '<span class="version"><a href="https://www.stackage.org/lts-22.0/package/foo">'
        "1.0.0</a></span>"
        '<td>Latest on Hackage:</td><td><a href="https://hackage.haskell.org/package/foo">\n'
        '<span class="version">1.2.3.4</span></a></td>'
        '<a href="https://hackage.haskell.org/package/foo-extra">'
        '<span class="version">9.9</span></a>'
    )
    mock_http.get(URL, body=page)

    assert [r.version for r in fetch(spec())] == ["1.2.3.4"]
