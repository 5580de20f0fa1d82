"""Package URLs in API v2: the ``purl`` key of project answers, ``GET /api/v2/projects/?purl=``,
the bulk lookup ``POST /api/v2/projects/purls/``, and the project page."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.api.v2.purls import MAX_PURLS
from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v2/projects/"
BULK = "/api/v2/projects/purls/"


@pytest.fixture(autouse=True)
def _without_throttling(settings):
    """Query counts and many requests here are the endpoints' own (test_rate_limit_counts_a_
    bulk_request_once switches the limit back on)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "none", "user": "none"},
    }


def project(backend: str, name: str, **fields) -> Project:
    fields.setdefault("homepage", f"https://example.org/{backend}/{name}")
    fields.setdefault("version_url", None)
    return ProjectFactory(backend=backend, name=name, **fields)


@pytest.fixture
def catalogue() -> dict[str, Project]:
    """A project of each kind the lookups find differently."""
    return {
        "requests": project("PyPI", "requests"),
        "drf": project("PyPI", "Django_REST.framework"),
        "angular": project("npmjs", "@angular/core"),
        "toml": project("Go modules", "github.com/BurntSushi/toml/"),
        "nginx": project("Docker Hub", "nginx"),
        "guava": project(
            "Maven Central",
            "guava",
            homepage="https://repo1.maven.org/maven2/com/google/guava/guava/",
        ),
        "geoip": project(
            "GitHub", "GeoIP", homepage="https://github.com/maxmind/geoip-api-c", version_url=""
        ),
        "geoip-fork": project("GitHub", "geoip-again", version_url="MaxMind/GeoIP-API-C"),
        "sqlalchemy": project("BitBucket", "sqlalchemy", version_url="zzzeek/sqlalchemy"),
        "firefox": project("Homebrew Cask", "firefox"),
        "custom": project("custom", "geany", version_url="https://www.geany.org/download/"),
    }


def bulk(client, purls, **kwargs):
    return client.post(BULK, {"purls": purls}, format="json", **kwargs)


# -- the purl key of v2's project answers ---------------------------------------------------------


def test_v2_project_answers_carry_their_purl(api, catalogue):
    items = {item["id"]: item for item in api.get(LIST, {"items_per_page": 250}).json()["items"]}
    assert items[catalogue["requests"].pk]["purl"] == "pkg:pypi/requests"
    assert items[catalogue["drf"].pk]["purl"] == "pkg:pypi/django-rest-framework"
    assert items[catalogue["angular"].pk]["purl"] == "pkg:npm/%40angular/core"
    assert items[catalogue["nginx"].pk]["purl"] == "pkg:docker/library/nginx"
    assert items[catalogue["geoip"].pk]["purl"] == "pkg:github/maxmind/geoip-api-c"
    assert items[catalogue["firefox"].pk]["purl"] == "pkg:brew/homebrew/cask/firefox"
    # No registered type: null, and the key is there all the same.
    assert items[catalogue["custom"].pk]["purl"] is None


def test_v1_answers_do_not_gain_it(api, catalogue):
    requests = catalogue["requests"]
    assert "purl" not in api.get(f"/api/project/{requests.pk}").json()
    assert "purl" not in api.get("/api/projects/?pattern=requests").json()["projects"][0]
    assert "purl" not in api.get("/api/by_ecosystem/pypi/requests").json()


# -- GET /api/v2/projects/?purl= -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("purl", "names"),
    [
        ("pkg:pypi/requests", ["requests"]),
        ("pkg:pypi/Requests@2.32.0?file_name=requests.whl#src", ["requests"]),
        # the database folds the stored "Django_REST.framework" as PEP 503 does
        ("pkg:pypi/django-rest-framework", ["drf"]),
        ("pkg:npm/%40angular/core@17.0.0", ["angular"]),
        # stored with capitals and a trailing slash
        ("pkg:golang/github.com/burntsushi/toml@v1.3.2", ["toml"]),
        ("pkg:docker/nginx", ["nginx"]),
        ("pkg:docker/library/nginx@1.27", ["nginx"]),
        ("pkg:maven/com.google.guava/guava@33.0.0?type=jar", ["guava"]),
        ("pkg:brew/homebrew/cask/firefox", ["firefox"]),
        ("pkg:bitbucket/zzzeek/sqlalchemy", ["sqlalchemy"]),
        # two projects watch one repository: both, in the list's order (by name)
        ("pkg:github/maxmind/geoip-api-c", ["geoip", "geoip-fork"]),
        # found nowhere, or a type releasemon does not hold: an empty list
        ("pkg:pypi/no-such-project", []),
        ("pkg:brew/firefox", []),
        ("pkg:deb/debian/curl", []),
    ],
)
def test_the_list_filtered_by_purl(api, catalogue, purl, names):
    response = api.get(LIST, {"purl": purl})
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [catalogue[name].pk for name in names]
    assert body["total_items"] == len(names)


def test_the_purl_filter_with_the_others(api, catalogue):
    purl = "pkg:github/maxmind/geoip-api-c"
    found = api.get(LIST, {"purl": purl, "name": "geoip"}).json()["items"]
    assert [item["id"] for item in found] == [catalogue["geoip"].pk]
    assert api.get(LIST, {"purl": purl, "ecosystem": "pypi"}).json()["items"] == []


@pytest.mark.parametrize(
    ("purl", "reason"),
    [
        ("", "it is empty"),
        ("requests", 'it must start with "pkg:"'),
        ("pkg:pypi/", "it has no name"),
        ("pkg:maven/guava", "needs the groupId as namespace"),
        ("pkg:pypi/re%00quests", "escaped control character"),
    ],
)
def test_a_malformed_purl_filter_is_400_with_its_reason(api, catalogue, purl, reason):
    response = api.get(LIST, {"purl": purl})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["message"] and list(body["message"]) == ["purl"]
    assert reason in body["message"]["purl"]


def test_a_nul_in_the_query_is_refused_as_any_other(api):
    response = api.get(LIST + "?purl=pkg:pypi/a%00b")
    assert response.status_code == 400


# -- POST /api/v2/projects/purls/ -----------------------------------------------------------------


def test_bulk_answers_in_input_order_with_nulls_and_reasons(api, catalogue):
    purls = [
        "pkg:github/MaxMind/GeoIP-API-C@v1.6.12",  # two projects: the one added first
        "pkg:pypi/no-such-project",
        "not a purl",
        "pkg:pypi/requests",
        "pkg:deb/debian/curl",
        42,
        "pkg:pypi/requests",  # asked twice, answered twice
        "pkg:docker/nginx",
    ]
    response = bulk(api, purls)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["errors", "items"]
    ids = [item["id"] if item else None for item in body["items"]]
    requests, nginx, geoip = (catalogue[n].pk for n in ("requests", "nginx", "geoip"))
    assert ids == [geoip, None, None, requests, None, None, requests, nginx]
    errors = body["errors"]
    assert [error is not None for error in errors] == [0, 0, 1, 0, 0, 1, 0, 0]
    assert errors[2] == 'Not a Package URL: it must start with "pkg:" (as in pkg:pypi/requests).'
    assert errors[5] == "Not a Package URL: a Package URL is a string."


def test_bulk_items_are_the_lists_project_answers(api, catalogue):
    requests = catalogue["requests"]
    ProjectVersionFactory(project=requests, version="2.32.0")
    listed = api.get(LIST, {"purl": "pkg:pypi/requests"}).json()["items"]
    (item,) = bulk(api, ["pkg:pypi/requests"]).json()["items"]
    assert item == listed[0]
    assert item["versions"] == ["2.32.0"] and item["purl"] == "pkg:pypi/requests"


def test_an_empty_list_is_an_empty_answer(api):
    response = bulk(api, [])
    assert response.status_code == 200
    assert response.content == b'{"errors":[],"items":[]}'


def test_up_to_1000_purls(api, catalogue):
    purls = ["pkg:pypi/requests"] + [f"pkg:pypi/unknown-{index}" for index in range(999)]
    response = bulk(api, purls)
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == MAX_PURLS == 1_000
    assert items[0]["id"] == catalogue["requests"].pk and items[1:] == [None] * 999

    too_many = bulk(api, [*purls, "pkg:pypi/requests"])
    assert too_many.status_code == 400
    assert too_many.json() == {"message": {"purls": "Longer than maximum length 1000."}}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"purls": "Missing data for required field."}),
        ({"purls": None}, {"purls": "Field may not be null."}),
        ({"purls": "pkg:pypi/requests"}, {"purls": "Not a valid list."}),
        ({"purls": {"a": "pkg:pypi/requests"}}, {"purls": "Not a valid list."}),
        ({"purls": [], "extra": 1}, {"extra": "Unknown field."}),
        (["pkg:pypi/requests"], {"_schema": "Invalid input type."}),
        ("pkg:pypi/requests", {"_schema": "Invalid input type."}),
    ],
)
def test_a_body_that_is_not_a_list_of_purls_is_400(api, body, errors):
    response = api.post(BULK, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": errors}


def test_malformed_json_is_400(api):
    response = api.post(BULK, "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": {"json": "Invalid JSON body."}}


def test_form_fields_repeat_purls(api, catalogue):
    response = api.post(BULK, {"purls": ["pkg:pypi/requests", "pkg:npm/%40angular/core"]})
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["items"]]
    assert ids == [catalogue["requests"].pk, catalogue["angular"].pk]


def test_get_is_not_allowed(api):
    assert api.get(BULK).status_code == 405


def test_anonymous_tokens_and_sessions_may_ask(api, alice, catalogue):
    assert bulk(api, ["pkg:pypi/requests"]).status_code == 200
    assert bulk(alice.client, ["pkg:pypi/requests"]).status_code == 200
    # A signed-in session sends its CSRF token, as for every POST of the API.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory())
    body = json.dumps({"purls": ["pkg:pypi/requests"]})
    refused = browser.post(BULK, body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"] == "permission_denied"
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    answered = browser.post(BULK, body, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert answered.status_code == 200


def test_rate_limit_counts_a_bulk_request_once(api, catalogue, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "none"},
    }
    purls = ["pkg:pypi/requests"] * 500
    assert bulk(api, purls)["X-RateLimit-Remaining"] == "1"
    assert bulk(api, purls)["X-RateLimit-Remaining"] == "0"
    assert bulk(api, purls).status_code == 429


def many_projects(count: int) -> list[str]:
    """``count`` projects of each kind, with versions, and a PURL of each."""
    purls = []
    for index in range(count):
        for backend, name, purl in (
            ("PyPI", f"Py_Lib.{index}", f"pkg:pypi/py-lib-{index}"),
            ("npmjs", f"@scope/lib{index}", f"pkg:npm/%40scope/lib{index}"),
            ("Docker Hub", f"image{index}", f"pkg:docker/library/image{index}"),
            ("Go modules", f"example.com/mod{index}", f"pkg:golang/example.com/mod{index}"),
        ):
            ProjectVersionFactory(project=project(backend, name), version="1.0")
            purls.append(purl)
        github = project("GitHub", f"gh{index}", version_url=f"owner/repo{index}")
        ProjectVersionFactory(project=github, version="1.0")
        purls.append(f"pkg:github/owner/repo{index}")
    return purls


def test_bulk_runs_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    found = many_projects(40)  # 200 projects of five kinds
    unknown = [f"pkg:pypi/unknown-{index}" for index in range(500)]
    broken = ["pkg:maven/no-group"] * 50 + ["pkg:deb/debian/curl"] * 50
    purls = [*found, *unknown, *broken][:MAX_PURLS]
    assert len(purls) == 800
    # The folded-name queries (one per ecosystem and chunk of keys: pypi's 540 keys take two),
    # the scanned scopes' index, the stamps, then the project rows and their versions.
    with django_assert_max_num_queries(10):
        response = bulk(api, purls)
    items = response.json()["items"]
    assert sum(item is not None for item in items) == 200
    assert [item["purl"] for item in items[:5]] == found[:5]


def test_the_query_count_does_not_grow_with_the_purls(api):
    purls = many_projects(20)

    def queries(asked: list[str]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert bulk(api, asked).status_code == 200
        return len(captured)

    few = queries(purls[:10])
    assert queries(purls * 10) <= few + 1  # 1,000 PURLs: at most one more chunk of pypi keys


@pytest.mark.django_db(transaction=True)
def test_cached_lookups_follow_an_edit(api):
    """Outside a transaction the lookups are kept per catalogue generation (the scanned
    scopes' index, the filtered list's ids); an edit moves the generation, and both follow."""
    geoip = project("GitHub", "GeoIP", version_url="maxmind/geoip-api-c")
    requests = project("PyPI", "requests")
    old, new = "pkg:github/maxmind/geoip-api-c", "pkg:github/maxmind/libmaxminddb"

    def ids(purl: str) -> tuple[list[int | None], list[int]]:
        found = bulk(api, [purl]).json()["items"]
        listed = api.get(LIST, {"purl": purl}).json()["items"]
        return [item and item["id"] for item in found], [item["id"] for item in listed]

    assert ids(old) == ([geoip.pk], [geoip.pk])
    assert ids(new) == ([None], [])
    # Nothing changed since: the index is not read again.
    with CaptureQueriesContext(connection) as again:
        bulk(api, [old, new])
    assert not [query for query in again if "GitHub" in query["sql"]]
    services.project_edit(geoip, agent="admin", version_url="maxmind/libmaxminddb")
    assert ids(old) == ([None], [])
    assert ids(new) == ([geoip.pk], [geoip.pk])
    services.project_edit(requests, agent="admin", name="requests3")
    assert ids("pkg:pypi/requests") == ([None], [])
    (item,) = bulk(api, ["pkg:pypi/requests3"]).json()["items"]
    assert item["purl"] == "pkg:pypi/requests3"


# -- the project page ----------------------------------------------------------------------------


def test_the_page_shows_the_purl_to_copy(client, catalogue):
    page = client.get(f"/project/{catalogue['angular'].pk}/").content.decode()
    assert "<dt>Package URL</dt>" in page
    assert '<code id="purl" translate="no">pkg:npm/%40angular/core</code>' in page


def test_a_page_without_purl_says_nothing_of_it(client, catalogue):
    page = client.get(f"/project/{catalogue['custom'].pk}/").content.decode()
    assert "Package URL" not in page


# -- the schema ----------------------------------------------------------------------------------


def test_the_schema_documents_the_field_the_filter_and_the_bulk_lookup(api):
    schema = api.get("/api/v2/schema/", {"format": "json"}).json()
    project_v2 = schema["components"]["schemas"]["ProjectV2"]["properties"]
    assert project_v2["purl"]["nullable"] is True
    listing = schema["paths"]["/api/v2/projects/"]["get"]
    assert "purl" in {parameter["name"] for parameter in listing["parameters"]}
    lookup = schema["paths"]["/api/v2/projects/purls/"]["post"]
    assert set(lookup["responses"]) == {"200", "400", "413"}
    assert {} in lookup["security"]  # public, like the reads
    body = schema["components"]["schemas"]["PurlLookupInputRequest"]
    assert body["properties"]["purls"]["maxItems"] == 1_000
    answer = lookup["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["required"] == ["errors", "items"]
