"""API v2 /api/v2/packages/: the paginated mapping list and mapping creation (contract §3.3)."""

from __future__ import annotations

import pytest

from messaging.models import OutboxMessage
from projects.models import Distro, Package
from tests.factories import DistroFactory, PackageFactory, ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v2/packages/"


@pytest.fixture
def fedora(db):
    return DistroFactory(name="Fedora")


@pytest.fixture
def requests_project(db):
    project = ProjectFactory(
        name="requests",
        homepage="https://pypi.org/project/requests",
        backend="PyPI",
        version_url=None,
        latest_version="2.29.0rc1",
    )
    for raw in ("2.28.1", "2.29.0rc1"):
        ProjectVersionFactory(project=project, version=raw)
    return project


# -- the list ---------------------------------------------------------------------------------


def test_items(api, fedora, requests_project):
    PackageFactory(project=requests_project, distro=fedora, package_name="python-requests")

    response = api.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "distribution": "Fedora",
                "ecosystem": "pypi",
                "name": "python-requests",
                "project": "requests",
                "stable_version": "2.28.1",
                "version": "2.29.0rc1",
            }
        ],
        "items_per_page": 25,
        "page": 1,
        "total_items": 1,
    }


def test_ordered_by_package_name_and_paged_without_gaps(api, fedora):
    debian = DistroFactory(name="Debian")
    for name in ("zlib", "attr", "make"):
        PackageFactory(distro=fedora, package_name=name)
    PackageFactory(distro=debian, package_name="make")
    pages = [api.get(URL, {"items_per_page": 2, "page": page}).json() for page in (1, 2)]
    assert [page["total_items"] for page in pages] == [4, 4]
    seen = [(item["name"], item["distribution"]) for page in pages for item in page["items"]]
    assert [name for name, _ in seen] == ["attr", "make", "make", "zlib"]
    assert sorted(seen) == sorted(
        [("attr", "Fedora"), ("make", "Fedora"), ("make", "Debian"), ("zlib", "Fedora")]
    )


def test_filters_ignore_case(api, fedora):
    PackageFactory(distro=fedora, package_name="Python-Requests")
    PackageFactory(distro=fedora, package_name="zlib")
    PackageFactory(distro=DistroFactory(name="Debian"), package_name="python-requests")
    assert api.get(URL, {"distribution": "FEDORA"}).json()["total_items"] == 2
    response = api.get(URL, {"name": "python-requests"})
    # Ordered by package name, case-sensitively ("P" < "p"), as in Anitya.
    assert [item["distribution"] for item in response.json()["items"]] == ["Fedora", "Debian"]
    response = api.get(URL, {"name": "PYTHON-REQUESTS", "distribution": "fedora"})
    assert [item["name"] for item in response.json()["items"]] == ["Python-Requests"]
    assert api.get(URL, {"distribution": "Arch"}).json()["total_items"] == 0
    assert api.get(URL, {"distribution": "", "name": ""}).json()["total_items"] == 3
    # A control character is refused before any view (projects/bad_input.py).
    assert api.get(URL, {"distribution": "Fe\x00"}).status_code == 400


def test_invalid_page(api):
    response = api.get(URL, {"items_per_page": "many"})
    assert response.status_code == 400
    assert response.json() == {"message": {"items_per_page": "Not a valid integer."}}


# -- creating ---------------------------------------------------------------------------------

NEW = {
    "distribution": "fedora",
    "package_name": "python-requests",
    "project_name": "Requests",
    "project_ecosystem": "PyPI",
}


def test_creating_needs_credentials(api, fedora, requests_project):
    response = api.post(URL, NEW, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert not Package.objects.exists()


def test_create(alice, fedora, requests_project):
    response = alice.client.post(URL, NEW, format="json")

    assert response.status_code == 201
    assert response.json() == {"distribution": "Fedora", "name": "python-requests"}
    package = Package.objects.get()
    assert (package.project, package.distro) == (requests_project, fedora)
    (message,) = OutboxMessage.objects.all()
    assert message.topic == "project.map.new"
    assert message.body["message"] == {
        "agent": "alice@example.org",
        "project": "requests",
        "distro": "Fedora",
        "new": "python-requests",
    }


def test_create_from_form_fields(alice, fedora, requests_project):
    response = alice.client.post(URL, NEW)
    assert response.status_code == 201


def test_project_outside_an_index_is_named_by_its_homepage(alice, fedora):
    project = ProjectFactory(name="2ping", homepage="https://www.finnie.org/software/2ping/")
    response = alice.client.post(
        URL,
        {**NEW, "project_name": "2ping", "project_ecosystem": project.homepage},
        format="json",
    )
    assert response.status_code == 201
    assert Package.objects.get().project == project


def test_unknown_project(alice, fedora):
    response = alice.client.post(URL, NEW, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": 'Project "Requests" in ecosystem "PyPI" not found'}


def test_unknown_distribution_is_not_created(alice, requests_project):
    response = alice.client.post(URL, NEW, format="json")
    assert response.status_code == 400
    assert response.json() == {"error": 'Distribution "fedora" not found'}
    assert not Distro.objects.exists()


def test_existing_mapping(alice, fedora, requests_project):
    PackageFactory(distro=fedora, package_name="python-requests")
    response = alice.client.post(URL, NEW, format="json")
    assert response.status_code == 409
    assert response.json() == {"error": "package already exists in distribution"}
    # Even when it maps the same project.
    Package.objects.update(project=requests_project)
    assert alice.client.post(URL, NEW, format="json").status_code == 409
    assert not OutboxMessage.objects.exists()


def test_missing_fields(alice):
    response = alice.client.post(URL, {"package_name": "x", "extra": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "message": {
            "distribution": "Missing data for required field.",
            "extra": "Unknown field.",
            "project_ecosystem": "Missing data for required field.",
            "project_name": "Missing data for required field.",
        }
    }


def test_empty_package_name(alice, fedora, requests_project):
    response = alice.client.post(URL, {**NEW, "package_name": "  "}, format="json")
    assert response.status_code == 400
    assert response.json() == {"message": {"package_name": "This field is required."}}
