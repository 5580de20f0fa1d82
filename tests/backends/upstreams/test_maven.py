"""The Maven Central backend: the version directories of an artifact on repo1.maven.org."""

from __future__ import annotations

import pytest

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from backends.upstreams.maven import COORDINATES_ERROR
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    recording_cases,
    replay,
)

URL = "https://repo1.maven.org/maven2/org/acme/foo-core/"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "foo",
        "homepage": "https://acme.example/foo",
        "backend": "Maven Central",
        "version_url": "org.acme:foo-core",
    }
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("Maven Central").fetch(project, client or HttpClient())


@pytest.mark.parametrize("case", recording_cases("maven-central.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)
    if case["expected"]["kind"] == "error":
        # maven-central-4: the name "foo" is no groupId:artifactId and nothing is fetched.
        with pytest.raises(
            BackendError, match=r"^Artifact needs to be in format groupId:artifactId \("
        ):
            fetch_recording(case)
        assert not mock_http.calls
        return
    releases = fetch_recording(case)
    assert_matches_recording(case, releases)
    assert "maven-metadata.xml" not in [r.version for r in releases]


@pytest.mark.parametrize(
    ("fields", "url"),
    [
        ({}, URL),
        ({"version_url": " org.acme:foo-core:1.2.3 "}, URL),  # a version is ignored, as Anitya
        ({"version_url": None, "name": "org.acme:foo-core"}, URL),
        (
            {"homepage": "https://repo1.maven.org/maven2/org/other/bar"},
            "https://repo1.maven.org/maven2/org/other/bar/",
        ),
        (
            {"homepage": "https://repo.maven.apache.org/maven2/org/other/bar/"},
            "https://repo.maven.apache.org/maven2/org/other/bar/",
        ),
    ],
)
def test_the_artifact_directory(fields, url):
    assert get_backend("Maven Central").version_url(spec(**fields)) == url


@pytest.mark.parametrize(
    "coordinates", ["foo", "org.acme:", ":foo", "../..:etc", "org.acme:foo/../../x", "a b:c"]
)
def test_bad_coordinates_are_refused_before_any_request(mock_http, coordinates):
    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url=coordinates))

    assert str(raised.value) == COORDINATES_ERROR
    assert not mock_http.calls


def test_fields():
    backend = get_backend("Maven Central")

    assert backend.fields["version_url"].label == "Maven groupId:artifactId"


LISTING = """<html><body><pre>
<a href="../">../</a>
<a href="1.0/" title="1.0/">1.0/</a>          2020-01-01 10:00   -
<a href="1.1-alpha-7/">1.1-alpha-7/</a>       2020-02-01 10:00   -
<a href="2.0-SNAPSHOT/">2.0-SNAPSHOT/</a>     2020-03-01 10:00   -
<a href="https://elsewhere.example/3.0/">3.0/</a>
<a href="docs/">docs/</a>
<a href="maven-metadata.xml">maven-metadata.xml</a>
<a href="?C=N;O=D">Name</a>
</pre></body></html>"""


def test_version_directories_are_the_versions(mock_http):
    mock_http.get(URL, body=LISTING)

    assert [r.version for r in fetch(spec())] == ["1.0", "1.1-alpha-7", "2.0-SNAPSHOT"]
