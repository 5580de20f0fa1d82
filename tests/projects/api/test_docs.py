"""The API describes itself: an OpenAPI 3 schema, interactive pages served without any CDN,
and DRF's browsable API (with forms for the writes) on every endpoint."""

from __future__ import annotations

import re

import pytest

from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

V1_PATHS = {
    "/api/version",
    "/api/version/get",
    "/api/projects",
    "/api/projects/names",
    "/api/packages/wiki",
    "/api/distro/names",
    "/api/project/{project_id}",
    "/api/project/{distro}/{package_name}",
    "/api/by_ecosystem/{ecosystem}/{project_name}",
}
V2_PATHS = {"/api/v2/packages/", "/api/v2/projects/", "/api/v2/versions/"}


@pytest.fixture
def schema(api) -> dict:
    response = api.get("/api/v2/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_lists_every_endpoint_once(schema):
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert paths >= V1_PATHS | V2_PATHS
    # One spelling per route: no trailing-slash duplicates.
    assert not {path.rstrip("/") for path in V2_PATHS} & paths
    assert not {path + "/" for path in V1_PATHS} & paths


def test_schema_describes_writes_and_their_errors(schema):
    create = schema["paths"]["/api/v2/projects/"]["post"]
    # 413: a body too large (projects/bad_input.py); 429: a check limit (projects/limits.py)
    assert set(create["responses"]) == {"201", "400", "401", "409", "413", "429"}
    assert {"tokenAuth": []} in create["security"]
    body = schema["components"]["schemas"]["ProjectCreateInputRequest"]
    assert set(body["required"]) == {"name", "homepage", "backend"}
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert token == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Token <your API token>`, from your settings page.",
    }
    project = schema["components"]["schemas"]["ProjectV2"]
    assert {"latest_stable_version", "version_filter", "versions"} <= set(project["properties"])


@pytest.mark.parametrize(
    ("component", "keys"),
    [
        ("ProjectV2", {"withdrawn_versions", "newest_version"}),
        ("ProjectVersions", {"withdrawn_versions", "newest_version"}),
        ("CheckResult", {"withdrawn_versions"}),
    ],
)
def test_schema_describes_the_keys_added_only_where_they_say_something(schema, component, keys):
    described = schema["components"]["schemas"][component]
    for key in keys:
        assert key in described["properties"], key
        assert described["properties"][key]["description"].startswith("Only where"), key
        assert key not in described.get("required", []), key
    assert described["properties"]["withdrawn_versions"]["type"] == "array"


@pytest.mark.parametrize(
    ("url", "asset"),
    [
        ("/api/v2/schema/swagger-ui/", "swagger-ui-bundle.js"),
        ("/api/v2/schema/redoc/", "redoc.standalone.js"),
    ],
)
def test_interactive_pages_are_served_with_their_own_assets(client, url, asset):
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn." not in page and "unpkg" not in page
    (src,) = {match for match in re.findall(r'"(/static/[^"]+)"', page) if match.endswith(asset)}
    assert client.get(src).status_code == 200


def test_browsable_api_for_browsers(client):
    ProjectFactory(name="requests")
    response = client.get("/api/v2/projects/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "requests" in page
    assert 'name="homepage"' not in page  # forms only for those allowed to write


def test_browsable_api_forms_for_signed_in_users(client):
    client.force_login(UserFactory())
    page = client.get("/api/v2/projects/", HTTP_ACCEPT="text/html").content.decode()
    assert 'name="homepage"' in page and 'name="check_release"' in page
    page = client.get("/api/v2/versions/", HTTP_ACCEPT="text/html").content.decode()
    assert 'name="dry_run"' in page
    page = client.get("/api/version/get", HTTP_ACCEPT="text/html").content.decode()
    assert 'name="test"' in page


@pytest.mark.parametrize(
    "url", ["/api/version", "/api/projects", "/api/packages/wiki", "/api/v2/versions/"]
)
def test_every_endpoint_has_a_browsable_page(client, url):
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")


def test_browsable_form_submission(client, fake_backend):
    """The browsable API's HTML form: empty boxes are not given, unticked boxes are false."""
    client.force_login(UserFactory(email="carol@example.org"))
    project = ProjectFactory(name="tool", version_prefix="v")
    fake_backend.script["tool"] = ["v1.0"]
    response = client.post(
        "/api/v2/versions/",
        {"id": project.pk, "name": "", "version_prefix": "", "csrfmiddlewaretoken": "x"},
        HTTP_ACCEPT="application/json",
    )
    # dry_run unticked: a real run; the empty boxes changed nothing.
    assert response.status_code == 200
    assert response.json()["found_versions"] is None
    project.refresh_from_db()
    assert (project.name, project.version_prefix) == ("tool", "v")
    assert project.latest_version == "1.0"


def test_options_describes_the_endpoint_and_its_form(client):
    client.force_login(UserFactory())
    response = client.options("/api/v2/versions/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "v2 versions"
    assert body["actions"]["POST"]["dry_run"]["type"] == "boolean"


def test_any_accept_header_gets_json(api):
    response = api.get("/api/version", HTTP_ACCEPT="application/xml")
    assert response.status_code == 200
    assert response.json() == {"version": "1.2"}
