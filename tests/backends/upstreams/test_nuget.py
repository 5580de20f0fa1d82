"""The NuGet backend: a package source's flat container ("Package Content" resource).

Answers not taken from the recordings follow Microsoft's NuGet API reference: the version list
of https://learn.microsoft.com/nuget/api/package-base-address-resource ("Enumerate package
versions": ``{"versions": [...]}``, 404 when the source has no version of the ID) and the
service index of https://learn.microsoft.com/nuget/api/service-index (``resources`` with
``@id`` and ``@type``).
"""

from __future__ import annotations

import pytest

from backends.base import BackendError, ProjectSpec, Release
from backends.http import HttpClient
from backends.registry import get_backend
from tests.backends.conftest import (
    assert_matches_recording,
    fetch_recording,
    pipeline_versions,
    recorded_case,
    recording_cases,
    replay,
)

FLAT = "https://api.nuget.org/v3-flatcontainer/"
URL = f"{FLAT}newtonsoft.json/index.json"
FEED = "https://nuget.example.org/v3/index.json"


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "Newtonsoft.Json",
        "homepage": "https://www.nuget.org/packages/Newtonsoft.Json",
        "backend": "NuGet",
    }
    return ProjectSpec(**{**values, **fields})


def fetch(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("NuGet").fetch(project, client or HttpClient())


def versions(project: ProjectSpec, client: HttpClient | None = None) -> list[str]:
    return [release.version for release in fetch(project, client)]


def service_index(package_base: str = "https://nuget.example.org/flat/") -> dict:
    return {
        "version": "3.0.0",
        "resources": [
            {"@id": "https://nuget.example.org/query", "@type": "SearchQueryService"},
            {"@id": package_base, "@type": "PackageBaseAddress/3.0.0"},
        ],
    }


@pytest.mark.parametrize("case", recording_cases("nuget.json"))
def test_recorded_answers(mock_http, case):
    replay(mock_http, case)

    releases = fetch_recording(case)

    assert_matches_recording(case, releases)
    # The flat container dates no version.
    assert all(release.published_at is None for release in releases)


def test_the_newest_nunit_is_3_12_0_and_release_candidates_come_before_their_release(mock_http):
    case = recorded_case("nuget.json", "nuget-nunit")
    replay(mock_http, case)

    _, ordered = pipeline_versions(case, fetch_recording(case))

    # NuGet projects use the Semantic scheme (the nuget ecosystem's default).
    assert ordered[-1] == "3.12.0"
    assert ordered.index("3.0.0-rc-3") < ordered.index("3.0.0") < ordered.index("3.0.1")


def test_version_url_and_fields():
    backend = get_backend("NuGet")

    # The flat container names packages by their lowercased ID.
    assert backend.version_url(spec()) == URL
    assert backend.version_url(spec(version_url=FEED)) == FEED
    # A feed root, as some servers document it, gets the service index's usual path.
    assert backend.version_url(spec(version_url="https://nuget.example.org/feed/")) == (
        "https://nuget.example.org/feed/v3/index.json"
    )
    assert backend.version_url(spec(version_url="ftp://nuget.example.org/")) == ""
    assert set(backend.fields) == {"name", "version_url"}
    assert backend.default_version_scheme == "Semantic"


def test_every_version_listed_is_returned_in_the_source_order(mock_http):
    mock_http.get(URL, json={"versions": ["12.0.1", "13.0.1-beta1", "13.0.1", "", 7, None]})

    assert versions(spec()) == ["12.0.1", "13.0.1-beta1", "13.0.1"]


def test_a_private_package_source_is_read_through_its_service_index(mock_http):
    mock_http.get(FEED, json=service_index())
    mock_http.get(
        "https://nuget.example.org/flat/acme.tools/index.json", json={"versions": ["1.0.0"]}
    )

    found = versions(spec(name="Acme.Tools", version_url=FEED), HttpClient(etag='"e"'))

    assert found == ["1.0.0"]
    # Only the version list carries the check's validators.
    assert "If-None-Match" not in mock_http.calls[0].request.headers
    assert mock_http.calls[1].request.headers["If-None-Match"] == '"e"'


def test_a_package_base_without_a_trailing_slash_still_names_the_package(mock_http):
    mock_http.get(FEED, json=service_index("https://nuget.example.org/flat"))
    mock_http.get("https://nuget.example.org/flat/acme/index.json", json={"versions": ["2.0.0"]})

    assert versions(spec(name="Acme", version_url=FEED)) == ["2.0.0"]


def test_an_unknown_package_says_so_and_where(mock_http):
    # The reference: "If the package source has no versions of the provided package ID, a 404
    # status code is returned." nuget.org's storage answers it with an XML error body.
    mock_http.get(URL, status=404, body="<Error><Code>BlobNotFound</Code></Error>")

    with pytest.raises(BackendError) as raised:
        fetch(spec())

    assert str(raised.value) == f'No package "Newtonsoft.Json" on nuget.org: {URL}'


def test_an_unknown_package_on_a_private_source(mock_http):
    mock_http.get(FEED, json=service_index())
    mock_http.get("https://nuget.example.org/flat/acme/index.json", status=404)

    with pytest.raises(BackendError, match=r'^No package "Acme" on that package source: https://'):
        fetch(spec(name="Acme", version_url=FEED))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "not a JSON object"),
        ('{"versions": "1.0.0"}', "no list of versions"),
        ("{}", "no list of versions"),
        ('{"versions": []}', 'lists no version of "Newtonsoft.Json"'),
        ('{"versions": [1, {"v": "2"}]}', 'lists no version of "Newtonsoft.Json"'),
    ],
    ids=["not-an-object", "versions-not-a-list", "no-versions", "empty-list", "junk-only"],
)
def test_malformed_version_lists_are_readable_errors(mock_http, body, message):
    mock_http.get(URL, body=body, content_type="application/json")

    with pytest.raises(BackendError) as raised:
        fetch(spec())

    assert message in str(raised.value)
    assert URL in str(raised.value)


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ({"version": "3.0.0", "resources": []}, "announces no PackageBaseAddress/3.0.0 resource"),
        ({"version": "3.0.0"}, "not a NuGet V3 service index"),
        ([], "not a JSON object"),
        (
            {"resources": [{"@id": "ftp://x/", "@type": "PackageBaseAddress/3.0.0"}]},
            "announces no PackageBaseAddress/3.0.0 resource",
        ),
        (
            {"resources": [{"@id": "/flat/", "@type": "PackageBaseAddress/3.0.0"}]},
            "announces no PackageBaseAddress/3.0.0 resource",
        ),
    ],
    ids=["no-package-base", "no-resources", "not-an-object", "ftp-base", "relative-base"],
)
def test_a_service_index_without_a_usable_package_base_is_a_readable_error(
    mock_http, index, message
):
    mock_http.get(FEED, json=index)

    with pytest.raises(BackendError) as raised:
        fetch(spec(version_url=FEED))

    assert message in str(raised.value)
    assert FEED in str(raised.value)
    assert len(mock_http.calls) == 1


def test_a_missing_service_index_asks_for_the_package_source_url(mock_http):
    mock_http.get("https://nuget.example.org/feed/v3/index.json", status=404)

    with pytest.raises(
        BackendError, match=r"No NuGet service index at https://nuget\.example\.org/"
    ):
        fetch(spec(version_url="https://nuget.example.org/feed"))


@pytest.mark.parametrize(
    "version_url",
    ["ftp://nuget.example.org/v3/index.json", "https://nuget.example.org/?x=1", "nuget.org"],
)
def test_a_package_source_that_is_not_an_http_address_is_refused_unread(mock_http, version_url):
    with pytest.raises(BackendError, match="is not the address of a NuGet package source"):
        fetch(spec(version_url=version_url))

    assert not mock_http.calls


@pytest.mark.parametrize(
    "name",
    ["../../v3/index", "Newtonsoft/Json", "Newtonsoft.Json?x=1", "..", "a..b", "", "x" * 101],
    ids=["dot-dot", "slash", "query", "only-dots", "double-dot", "empty", "too-long"],
)
def test_a_name_that_is_not_a_package_id_never_reaches_a_url(mock_http, name):
    with pytest.raises(BackendError, match="is not a valid NuGet package ID"):
        fetch(spec(name=name))

    assert not mock_http.calls
