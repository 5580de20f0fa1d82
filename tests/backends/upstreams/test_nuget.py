"""The NuGet backend: a package source's flat container ("Package Content" resource).

Answers not taken from the recordings follow Microsoft's NuGet API reference: the version list
of https://learn.microsoft.com/nuget/api/package-base-address-resource ("Enumerate package
versions": ``{"versions": [...]}``, 404 when the source has no version of the ID) and the
service index of https://learn.microsoft.com/nuget/api/service-index (``resources`` with
``@id`` and ``@type``). Rate limiting follows https://learn.microsoft.com/nuget/api/rate-limits
(HTTP 429, ``Retry-After``, and the body ``{"statusCode": 429, "message": "Rate limit is
exceeded. Try again in N seconds."}``). The release feed's answers follow the catalog resource,
https://learn.microsoft.com/nuget/api/catalog-resource (the catalog index's ``items`` are pages
with ``@id``, ``commitTimeStamp`` and ``count``; a page's ``items`` have ``@type``
``nuget:PackageDetails`` or ``nuget:PackageDelete``, ``commitTimeStamp``, ``nuget:id`` and
``nuget:version``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError, FeedEntry, ProjectSpec, RateLimited, Release
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


# -- rate limits --------------------------------------------------------------------------------

THROTTLED = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 41 seconds."}


def seconds_until(moment: dt.datetime) -> float:
    return (moment - dt.datetime.now(dt.UTC)).total_seconds()


def test_a_throttled_request_waits_as_retry_after_says(mock_http):
    mock_http.get(URL, status=429, headers={"Retry-After": "41"}, json=THROTTLED)

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    assert 39 < seconds_until(raised.value.reset_at) <= 41
    assert raised.value.scope == "api.nuget.org"
    assert raised.value.scope == get_backend("NuGet").rate_limit_scope(spec())


def test_without_retry_after_the_body_says_when_to_try_again(mock_http):
    body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 13 seconds."}
    mock_http.get(URL, status=429, json=body)

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    assert 11 < seconds_until(raised.value.reset_at) <= 13


def test_a_throttled_private_source_defers_that_source_only(mock_http):
    mock_http.get(FEED, status=429, json=THROTTLED)

    with pytest.raises(RateLimited) as raised:
        fetch(spec(version_url=FEED))

    assert raised.value.scope == "nuget.example.org"
    assert 39 < seconds_until(raised.value.reset_at) <= 41


def test_a_throttled_answer_saying_nothing_of_when_waits_the_usual_hour(mock_http):
    mock_http.get(URL, status=429, body="Too Many Requests")

    with pytest.raises(RateLimited) as raised:
        fetch(spec())

    assert 3590 < seconds_until(raised.value.reset_at) <= 3600


# -- the release feed ---------------------------------------------------------------------------

CATALOG = "https://api.nuget.org/v3/catalog0/index.json"


def stamp(minutes_ago: float) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"  # the catalog's seven digits


def catalog_page(number: int, minutes_ago: float) -> dict:
    return {
        "@id": f"https://api.nuget.org/v3/catalog0/page{number}.json",
        "@type": "CatalogPage",
        "commitId": f"{number:08x}-0000-0000-0000-000000000000",
        "commitTimeStamp": stamp(minutes_ago),
        "count": 550,
    }


def catalog_item(package_id: str, version: str, minutes_ago: float, kind="PackageDetails"):
    return {
        "@id": f"https://api.nuget.org/v3/catalog0/data/x/{package_id.lower()}.{version}.json",
        "@type": f"nuget:{kind}",
        "commitId": "00000000-0000-0000-0000-000000000000",
        "commitTimeStamp": stamp(minutes_ago),
        "nuget:id": package_id,
        "nuget:version": version,
    }


def catalog(*pages: dict) -> dict:
    return {
        "@id": CATALOG,
        "@type": ["CatalogRoot", "AppendOnlyCatalog", "Permalink"],
        "commitId": "00000000-0000-0000-0000-000000000000",
        "commitTimeStamp": stamp(1),
        "count": len(pages),
        "items": list(pages),
    }


def page_answer(page: dict, *items: dict) -> dict:
    return {**page, "items": list(items), "parent": CATALOG}


def check_feed() -> list[FeedEntry]:
    return get_backend("NuGet").check_feed(HttpClient())


def test_the_feed_reads_the_pages_committed_after_its_cursor(mock_http):
    old, recent, newest = catalog_page(1, 60 * 24 * 365), catalog_page(2, 14), catalog_page(3, 1)
    mock_http.get(CATALOG, json=catalog(newest, old, recent))  # pages in any order
    mock_http.get(
        recent["@id"],
        json=page_answer(
            recent,
            catalog_item("Serilog", "4.2.0", 20),  # committed before the cursor: known already
            catalog_item("NUnit", "4.3.0", 14),
        ),
    )
    mock_http.get(
        newest["@id"],
        json=page_answer(
            newest,
            catalog_item("Newtonsoft.Json", "13.0.4", 2),
            catalog_item("Old.Package", "1.0.0", 3, kind="PackageDelete"),
            catalog_item("NUnit", "4.3.0", 1),  # committed again (an edit): announced once
            catalog_item("../../etc", "1.0.0", 1),
            catalog_item("Polly", "8.5.0 beta", 1),
        ),
    )

    assert check_feed() == [
        FeedEntry("NUnit", "4.3.0", "https://www.nuget.org/packages/NUnit"),
        FeedEntry("Newtonsoft.Json", "13.0.4", "https://www.nuget.org/packages/Newtonsoft.Json"),
    ]
    assert get_backend("NuGet").has_feed
    # The old page is never read.
    assert [call.request.url for call in mock_http.calls] == [CATALOG, recent["@id"], newest["@id"]]


def test_a_flood_of_new_pages_reads_only_the_newest_few(mock_http):
    pages = [catalog_page(n, 10 - n) for n in range(8)]
    mock_http.get(CATALOG, json=catalog(*pages))
    for n, page in enumerate(pages):
        mock_http.get(page["@id"], json=page_answer(page, catalog_item(f"P{n}", "1.0.0", 9 - n)))

    assert [entry.name for entry in check_feed()] == ["P4", "P5", "P6", "P7"]
    assert len(mock_http.calls) == 5


def test_a_quiet_catalog_costs_one_request(mock_http):
    mock_http.get(CATALOG, json=catalog(catalog_page(1, 60)))

    assert check_feed() == []
    assert len(mock_http.calls) == 1


@pytest.mark.parametrize(
    ("index", "page", "message"),
    [
        ([], None, "not a JSON object"),
        ({"items": "none"}, None, "no list of catalog pages"),
        (None, {"items": {}}, "no list of items"),
        (None, "<html>", "invalid JSON answer"),
    ],
)
def test_a_broken_catalog_is_a_readable_error(mock_http, index, page, message):
    listed = catalog_page(7, 1)
    mock_http.get(CATALOG, json=catalog(listed) if index is None else index)
    if isinstance(page, str):
        mock_http.get(listed["@id"], body=page)
    elif page is not None:
        mock_http.get(listed["@id"], json=page)

    with pytest.raises(BackendError) as raised:
        check_feed()
    assert message in str(raised.value)


def test_a_throttled_catalog_is_a_rate_limit_of_nuget_org(mock_http):
    mock_http.get(CATALOG, status=429, json=THROTTLED)

    with pytest.raises(RateLimited) as raised:
        check_feed()
    assert raised.value.scope == "api.nuget.org"
