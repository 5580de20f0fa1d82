"""API v1 single projects: /api/project/<id>, /api/project/<distro>/<package> and
/api/by_ecosystem/<ecosystem>/<name> (contract §3.2)."""

from __future__ import annotations

import pytest

from tests.factories import DistroFactory, PackageFactory, ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

DETAILED_KEYS = {
    "backend",
    "created_on",
    "ecosystem",
    "homepage",
    "id",
    "name",
    "packages",
    "regex",
    "stable_versions",
    "updated_on",
    "version",
    "version_url",
    "versions",
}


@pytest.fixture
def six(db):
    project = ProjectFactory(
        name="six",
        homepage="https://pypi.python.org/pypi/six",
        backend="PyPI",
        version_url=None,
        latest_version="1.10.0",
    )
    for raw in ("1.9.0", "1.10.0", "1.11.0rc1"):
        ProjectVersionFactory(project=project, version=raw)
    PackageFactory(project=project, distro=DistroFactory(name="Fedora"), package_name="python-six")
    PackageFactory(project=project, distro=DistroFactory(name="debian"), package_name="six")
    return project


@pytest.mark.parametrize("suffix", ["", "/"])
def test_project_by_id_is_detailed(api, six, suffix):
    response = api.get(f"/api/project/{six.pk}{suffix}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == DETAILED_KEYS
    assert body["ecosystem"] == "pypi"
    assert body["backend"] == "PyPI"
    assert body["version"] == "1.10.0"
    assert body["versions"] == ["1.11.0rc1", "1.10.0", "1.9.0"]
    assert body["stable_versions"] == ["1.10.0", "1.9.0"]
    # Mappings ordered by distro ignoring case.
    assert body["packages"] == [
        {"distro": "debian", "package_name": "six"},
        {"distro": "Fedora", "package_name": "python-six"},
    ]
    assert body == {**six.as_json(detailed=True)}


@pytest.mark.parametrize("project_id", ["999999", "0", "9" * 30])
def test_unknown_project_id(api, project_id):
    response = api.get(f"/api/project/{project_id}")
    assert response.status_code == 404
    assert response.json() == {"output": "notok", "error": "no such project"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/project/Fedora/python-six",
        "/api/project/fedora/python-six/",
        "/api/project/FEDORA/python-six",
    ],
)
def test_project_by_package(api, six, url):
    response = api.get(url)
    assert response.status_code == 200
    assert response.json()["id"] == six.pk
    assert set(response.json()) == DETAILED_KEYS


def test_package_names_are_exact(api, six):
    response = api.get("/api/project/Fedora/Python-Six")
    assert response.status_code == 404
    assert response.json() == {
        "output": "notok",
        "error": 'No package "Python-Six" found in distro "Fedora"',
    }


def test_package_names_may_contain_slashes(api):
    project = ProjectFactory(name="golang-x-net")
    PackageFactory(
        project=project, distro=DistroFactory(name="Go"), package_name="golang.org/x/net"
    )
    assert api.get("/api/project/go/golang.org/x/net").json()["name"] == "golang-x-net"
    assert api.get("/api/project/go/golang.org/x/net/").json()["name"] == "golang-x-net"


def test_unknown_distro(api, six):
    response = api.get("/api/project/Arch/six")
    assert response.status_code == 404
    assert response.json()["error"] == 'No package "six" found in distro "Arch"'


@pytest.mark.parametrize("suffix", ["", "/"])
def test_project_by_ecosystem_ignores_case(api, six, suffix):
    response = api.get(f"/api/by_ecosystem/PyPI/SIX{suffix}")
    assert response.status_code == 200
    assert response.json()["id"] == six.pk
    assert set(response.json()) == DETAILED_KEYS


def test_unknown_project_in_ecosystem(api, six):
    response = api.get("/api/by_ecosystem/npm/six")
    assert response.status_code == 404
    assert response.json() == {
        "output": "notok",
        "error": 'No project "six" found in ecosystem "npm"',
    }
