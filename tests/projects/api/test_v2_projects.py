"""API v2 /api/v2/projects/: the paginated list and project creation (contract §3.3)."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.base import BackendError
from messaging.models import OutboxMessage
from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v2/projects/"
V1_KEYS = {
    "backend",
    "created_on",
    "ecosystem",
    "homepage",
    "id",
    "name",
    "regex",
    "stable_versions",
    "updated_on",
    "version",
    "version_url",
    "versions",
}
EXTRA_KEYS = {
    "latest_stable_version",
    "latest_version_created_on",
    "latest_version_published_on",
    "pre_release_filter",
    "purl",
    "version_filter",
}


def item_names(response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


# -- the list ---------------------------------------------------------------------------------


def test_empty_list_envelope(api):
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json() == {"items": [], "items_per_page": 25, "page": 1, "total_items": 0}
    assert response.content.startswith(b'{"items":[],"items_per_page":25,')


def test_items_are_project_json_plus_the_extra_keys(api):
    retrieved = dt.datetime(2026, 3, 31, 14, 30, 0, 123456, tzinfo=dt.UTC)
    published = dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC)
    project = ProjectFactory(
        name="requests",
        homepage="https://pypi.org/project/requests",
        backend="PyPI",
        version_url=None,
        latest_version="2.33.0rc1",
        pre_release_filter="rc",
        version_filter="-bad",
    )
    ProjectVersionFactory(project=project, version="2.32.0", created_on=retrieved)
    ProjectVersionFactory(
        project=project, version="2.33.0rc1", created_on=retrieved, published_at=published
    )
    ProjectVersionFactory(project=project, version="2.34.0-bad")

    (item,) = api.get(URL).json()["items"]

    assert set(item) == V1_KEYS | EXTRA_KEYS
    assert {key: item[key] for key in V1_KEYS} == project.as_json()
    assert item["versions"] == ["2.33.0rc1", "2.32.0"]
    assert item["latest_stable_version"] == "2.32.0"
    assert item["latest_version_created_on"] == "2026-03-31T14:30:00.123456"
    assert item["latest_version_published_on"] == "2026-03-30T08:00:00"
    assert item["pre_release_filter"] == "rc"
    assert item["version_filter"] == "-bad"


def test_extra_keys_of_a_project_without_versions_are_null(api):
    ProjectFactory()
    (item,) = api.get(URL).json()["items"]
    assert {key: item[key] for key in EXTRA_KEYS} == dict.fromkeys(EXTRA_KEYS)


def test_ordered_by_name_then_ecosystem(api):
    ProjectFactory(name="b", homepage="https://two.example")
    ProjectFactory(name="b", homepage="https://one.example")
    ProjectFactory(name="a")
    ProjectFactory(name="B")
    items = api.get(URL).json()["items"]
    assert [(item["name"], item["ecosystem"]) for item in items] == [
        ("B", "https://example.org/B"),
        ("a", "https://example.org/a"),
        ("b", "https://one.example"),
        ("b", "https://two.example"),
    ]


def test_pages(api):
    for index in range(5):
        ProjectFactory(name=f"p{index}")
    response = api.get(URL, {"items_per_page": 2, "page": 2})
    assert response.json()["page"] == 2
    assert response.json()["items_per_page"] == 2
    assert response.json()["total_items"] == 5
    assert item_names(response) == ["p2", "p3"]
    assert item_names(api.get(URL, {"items_per_page": 2, "page": 3})) == ["p4"]
    beyond = api.get(URL, {"items_per_page": 2, "page": 4}).json()
    assert beyond == {"items": [], "items_per_page": 2, "page": 4, "total_items": 5}
    far = api.get(URL, {"page": 10**20}).json()
    assert far["items"] == [] and far["page"] == 10**20
    assert len(api.get(URL, {"items_per_page": 250}).json()["items"]) == 5
    assert len(api.get(URL, {"items_per_page": 1}).json()["items"]) == 1


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"page": 0}, {"page": "Value must be greater than or equal to 1."}),
        ({"page": -3}, {"page": "Value must be greater than or equal to 1."}),
        ({"page": "abc"}, {"page": "Not a valid integer."}),
        ({"page": ""}, {"page": "Not a valid integer."}),
        ({"page": "1.5"}, {"page": "Not a valid integer."}),
        ({"items_per_page": 0}, {"items_per_page": "Value must be greater than or equal to 1."}),
        ({"items_per_page": 251}, {"items_per_page": "Value must be less than or equal to 250."}),
        (
            {"page": "x", "items_per_page": 300},
            {
                "items_per_page": "Value must be less than or equal to 250.",
                "page": "Not a valid integer.",
            },
        ),
    ],
)
def test_invalid_page_arguments(api, query, errors):
    response = api.get(URL, query)
    assert response.status_code == 400
    assert response.json() == {"message": errors}


def test_name_and_ecosystem_filters_ignore_case(api):
    ProjectFactory(name="Requests", backend="PyPI", homepage="https://pypi.org/p/requests")
    ProjectFactory(name="requests", homepage="https://github.com/psf/requests")
    ProjectFactory(name="flask", backend="PyPI", homepage="https://pypi.org/p/flask")
    assert item_names(api.get(URL, {"name": "REQUESTS"})) == ["Requests", "requests"]
    assert item_names(api.get(URL, {"ecosystem": "PYPI"})) == ["Requests", "flask"]
    response = api.get(URL, {"name": "requests", "ecosystem": "pypi"})
    assert item_names(response) == ["Requests"]
    assert response.json()["total_items"] == 1
    # Empty filters filter nothing; unknown arguments are ignored.
    assert api.get(URL, {"name": "", "ecosystem": "", "sort": "x"}).json()["total_items"] == 3
    # Equality, not a pattern.
    assert api.get(URL, {"name": "req*"}).json()["total_items"] == 0
    # A control character is refused before any view (projects/bad_input.py).
    assert api.get(URL, {"name": "re\x00"}).status_code == 400


def test_a_project_changed_since_the_last_answer_is_shown_changed(api):
    project = ProjectFactory(name="tool")
    assert api.get(URL).json()["items"][0]["versions"] == []
    ProjectVersionFactory(project=project, version="1.0")
    Project.objects.filter(pk=project.pk).update(
        latest_version="1.0", updated_on=project.updated_on + dt.timedelta(seconds=1)
    )
    (item,) = api.get(URL).json()["items"]
    assert item["versions"] == ["1.0"]
    assert item["version"] == "1.0"


# -- creating ---------------------------------------------------------------------------------

NEW = {"name": "requests", "homepage": "https://pypi.org/project/requests", "backend": "PyPI"}


def test_creating_needs_credentials(api):
    response = api.post(URL, NEW, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "error": "authentication_required",
        "error_description": "Authentication is required to access this API.",
    }
    assert not Project.objects.exists()


def test_create(alice, fake_backend):
    response = alice.client.post(URL, NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == V1_KEYS | EXTRA_KEYS
    project = Project.objects.get()
    assert body["id"] == project.pk
    assert body["ecosystem"] == "pypi"
    assert body["versions"] == ["1.0"]  # the validating check is recorded as the first check
    assert body["version"] == "1.0"
    assert project.version_scheme == "RPM"
    message, *updates = OutboxMessage.objects.order_by("pk")
    assert message.topic == "project.add"
    assert message.body["message"] == {"agent": "alice@example.org", "project": "requests"}
    assert [update.topic for update in updates] == [
        "project.version.update",
        "project.version.update.v2",
    ]
    assert fake_backend.calls["requests"] == 1


def test_a_created_project_shows_its_first_check(alice, api, fake_backend):
    fake_backend.script["requests"] = ["2.31.0", "2.32.0"]

    created = alice.client.post(URL, {**NEW, "check_release": True}, format="json")

    assert created.status_code == 201
    assert fake_backend.calls["requests"] == 1  # check_release asks for no second fetch
    (item,) = api.get(URL, {"name": "requests"}).json()["items"]
    assert item["versions"] == ["2.32.0", "2.31.0"]
    assert item["version"] == "2.32.0"
    project = Project.objects.get()
    assert project.last_check is not None and project.next_check > project.last_check


def test_create_from_form_fields_with_every_field(alice, fake_backend):
    fake_backend.script["tool"] = ["v1.0", "v1.1-rc1"]
    response = alice.client.post(
        URL,
        {
            "name": "tool",
            "homepage": "https://tool.example.org/",
            "backend": "github",
            "version_url": "example/tool",
            "version_scheme": "semantic",
            "version_prefix": "v",
            "pre_release_filter": "rc",
            "version_filter": "nightly",
            "regex": r"tool-(\d+)",
            "insecure": "true",
            "releases_only": "yes",
            "check_release": "1",
        },
    )
    assert response.status_code == 201, response.content
    project = Project.objects.get()
    assert (project.backend, project.version_scheme) == ("GitHub", "Semantic")
    assert project.insecure and project.releases_only
    assert response.json()["versions"] == ["1.1-rc1", "1.0"]
    assert response.json()["stable_versions"] == ["1.0"]
    assert response.json()["version"] == "1.1-rc1"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            {
                "backend": "Missing data for required field.",
                "homepage": "Missing data for required field.",
                "name": "Missing data for required field.",
            },
        ),
        ({**NEW, "name": None}, {"name": "Field may not be null."}),
        ({**NEW, "name": 5}, {"name": "Not a valid string."}),
        ({**NEW, "insecure": "maybe"}, {"insecure": "Not a valid boolean."}),
        ({**NEW, "color": "blue"}, {"color": "Unknown field."}),
        ({**NEW, "name": "a\x00b"}, {"name": "Null characters are not allowed."}),
    ],
)
def test_invalid_bodies(alice, body, errors):
    response = alice.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"message": errors}


def test_strings_no_database_can_store_are_refused(alice):
    body = '{"name": "\\ud800", "homepage": "https://x.example", "backend": "PyPI"}'
    response = alice.client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": {"name": "Not a valid string."}}


def test_unknown_form_fields_are_refused_too(alice):
    response = alice.client.post(URL, {**NEW, "colour": "blue"})
    assert response.status_code == 400
    assert response.json() == {"message": {"colour": "Unknown field."}}


def test_malformed_json(alice):
    response = alice.client.post(URL, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": {"json": "Invalid JSON body."}}


def test_a_body_of_another_type_reads_as_no_fields(alice):
    response = alice.client.post(URL, "name=x", content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["message"]["name"] == "Missing data for required field."


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"backend": "nope"}, {"backend": 'No backend was found for "nope"'}),
        (
            {"backend": "nope", "version_url": "https://x.example/"},
            {"backend": 'No backend was found for "nope"'},
        ),
        (
            {"version_scheme": "Roman"},
            {"version_scheme": 'No version scheme was found for "Roman"'},
        ),
        ({"homepage": "not a url"}, {"homepage": "Enter a valid http or https URL."}),
    ],
)
def test_bad_configuration_is_a_400_with_the_reason(alice, changes, errors):
    response = alice.client.post(URL, {**NEW, **changes}, format="json")
    assert response.status_code == 400
    assert response.json() == {"message": errors}


def test_bad_regex_is_a_400_naming_the_field(alice):
    response = alice.client.post(
        URL, {**NEW, "version_url": "https://x.example/", "regex": "(unclosed"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["message"]) == ["regex"]


def test_backend_requiring_a_version_url(alice):
    response = alice.client.post(URL, {**NEW, "backend": "custom"}, format="json")
    assert response.status_code == 400
    assert response.json() == "Chosen backend requires version_url"


def test_pre_creation_check_failure(alice, fake_backend):
    fake_backend.script["requests"] = BackendError("No versions found at the URL")
    response = alice.client.post(URL, NEW, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": "The check failed: could not retrieve versions. Error: No versions found at "
        "the URL. Please verify the project configuration (backend, homepage, version URL, "
        "etc.) and try again."
    }
    assert not Project.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_duplicate_is_a_409_with_the_requested_project(alice, fake_backend):
    existing = ProjectFactory(name="requests", backend="PyPI", homepage="https://elsewhere.org")
    response = alice.client.post(URL, NEW, format="json")
    assert response.status_code == 409
    requested = response.json()["requested_project"]
    assert set(requested) == V1_KEYS | EXTRA_KEYS
    assert requested["id"] is None
    assert requested["name"] == "requests"
    assert requested["homepage"] == NEW["homepage"]
    assert list(Project.objects.all()) == [existing]
