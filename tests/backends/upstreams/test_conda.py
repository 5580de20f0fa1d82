"""The conda backend: a package's versions in an anaconda.org channel.

Hand-written answers follow the shape of the recorded one (tests/fixtures/upstream-recordings/
conda.json: ``GET https://api.anaconda.org/package/<channel>/<name>`` with ``versions`` and
``files``), as anaconda-client's ``Binstar.package()`` reads it
(https://github.com/anaconda/anaconda-client, binstar_client/__init__.py).
"""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, ProjectSpec, RateLimited, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    pipeline_versions,
    recording_cases,
    replay,
)

URL = "https://api.anaconda.org/package/conda-forge/numpy"


def spec(**fields) -> ProjectSpec:
    values = {"name": "numpy", "homepage": "https://numpy.org", "backend": "conda"}
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec) -> list[Release]:
    return get_backend("conda").fetch(project, HttpClient())


def build(version: str, labels=("main",), uploaded="2024-01-01 00:00:00+00:00") -> dict:
    return {
        "version": version,
        "labels": list(labels),
        "upload_time": uploaded,
        "basename": f"linux-64/numpy-{version}-py312_0.conda",
    }


@pytest.mark.parametrize("case", recording_cases("conda.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)

    releases = fetch_recording(case)

    assert_matches_recording(case, releases)
    # The newest by the project's scheme is the answer's own latest_version.
    assert pipeline_versions(case, releases)[1][-1] == "6.2.5"
    dated = [release for release in releases if release.published_at is not None]
    # files[] (truncated by the recording's source) dates the one build it still lists.
    assert dated == [
        Release(
            "3.10.0",
            published_at=dt.datetime(2020, 2, 28, 11, 46, 1, 948000, tzinfo=dt.UTC),
        )
    ]


def test_version_url_fields_and_ecosystem():
    backend = get_backend("conda")

    assert backend.version_url(spec()) == URL
    assert set(backend.fields) == {"name", "version_url"}


@pytest.mark.parametrize(
    ("version_url", "api"),
    [
        ("", "https://api.anaconda.org/package/conda-forge/numpy"),
        ("bioconda", "https://api.anaconda.org/package/bioconda/numpy"),
        ("https://anaconda.org/bioconda", "https://api.anaconda.org/package/bioconda/numpy"),
        ("https://anaconda.org/bioconda/", "https://api.anaconda.org/package/bioconda/numpy"),
        (
            "https://conda.example.org/api/package/internal",
            "https://conda.example.org/api/package/internal/numpy",
        ),
    ],
    ids=["default", "channel", "channel-page", "channel-page-slash", "other-server"],
)
def test_the_channel_comes_from_the_version_url(mock_http, version_url, api):
    mock_http.get(api, json={"versions": ["2.0.0"], "files": []})
    project = spec(version_url=version_url)

    assert get_backend("conda").version_url(project) == api
    assert fetch(project) == [Release("2.0.0")]


def test_the_earliest_upload_of_a_version_dates_it(mock_http):
    files = [
        build("2.0.0", uploaded="2024-06-20 10:00:00+00:00"),
        build("2.0.0", uploaded="2024-06-16 09:30:00.5+00:00"),
        build("2.0.0", uploaded="not a date"),
    ]
    mock_http.get(URL, json={"versions": ["2.0.0"], "files": files})

    assert fetch(spec()) == [
        Release("2.0.0", published_at=dt.datetime(2024, 6, 16, 9, 30, 0, 500000, tzinfo=dt.UTC))
    ]


def test_a_version_conda_forge_withdrew_is_flagged(mock_http):
    """conda-forge "yanks" a build by moving it to the broken label only."""
    files = [
        build("1.26.0", labels=["broken"]),
        build("1.26.0", labels=["broken"]),
        build("1.26.1", labels=["broken"]),
        build("1.26.1", labels=["main"]),
        build("1.26.2", labels=["main", "broken"]),
    ]
    mock_http.get(URL, json={"versions": ["1.26.0", "1.26.1", "1.26.2"], "files": files})

    found = {release.version: release.withdrawn for release in fetch(spec())}

    assert found == {"1.26.0": True, "1.26.1": False, "1.26.2": False}


def test_an_unknown_package_is_named_with_the_request(mock_http):
    mock_http.get(URL, status=404, json={"error": '"numpy" not found'})

    with pytest.raises(BackendError) as raised:
        fetch(spec())
    assert str(raised.value) == f'No package "numpy" in the conda-forge channel: {URL}'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "not a JSON object"),
        ({"versions": "2.0.0"}, "no list of versions"),
        ({"name": "numpy"}, "no list of versions"),
        ({"versions": [7, None, ""]}, 'lists no version of "numpy"'),
        ({"versions": []}, 'lists no version of "numpy"'),
        ({"error": "Package is private"}, "anaconda.org answered an error: Package is private"),
    ],
    ids=["not-an-object", "versions-not-a-list", "no-versions", "junk", "empty", "error"],
)
def test_malformed_answers_are_readable_errors(mock_http, body, message):
    mock_http.get(URL, json=body)

    with pytest.raises(BackendError, match=message):
        fetch(spec())


def test_junk_beside_versions_is_skipped(mock_http):
    files = [None, "junk", {"version": 3}, build("2.0.0", labels="main")]
    mock_http.get(URL, json={"versions": ["2.0.0", {"v": 1}], "files": files})

    assert [release.version for release in fetch(spec())] == ["2.0.0"]


def test_a_rate_limit_defers_the_host(mock_http):
    mock_http.get(URL, status=429, headers={"Retry-After": "120"})

    with pytest.raises(RateLimited) as raised:
        fetch(spec())
    assert raised.value.scope == "api.anaconda.org"
    assert get_backend("conda").rate_limit_scope(spec()) == "api.anaconda.org"


@pytest.mark.parametrize(
    "version_url",
    [
        "bio conda",
        "../conda-forge",
        "ftp://conda.example.org/",
        "https://conda.example.org/package/x?token=1",
        "https://anaconda.org/bioconda/numpy",
        "https://conda.example.org/package/../secret",
    ],
)
def test_a_version_url_that_is_no_channel_is_refused(mock_http, version_url):
    with pytest.raises(BackendError, match="is not a channel"):
        fetch(spec(version_url=version_url))
    assert not mock_http.calls


@pytest.mark.parametrize("name", ["../numpy", "numpy/../../x", "num py", "", ".."])
def test_names_that_are_no_package_names_are_refused_before_any_request(mock_http, name):
    with pytest.raises(BackendError, match="is not a valid conda package name"):
        fetch(spec(name=name))
    assert not mock_http.calls


def test_a_package_missing_on_another_server_names_no_channel(mock_http):
    url = "https://conda.example.org/api/package/internal/numpy"
    mock_http.get(url, status=404, json={"error": "not found"})

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url="https://conda.example.org/api/package/internal"))
    assert str(raised.value) == f'No package "numpy" in that channel: {url}'
