"""API v1 lists: /api/version, /api/projects, /api/projects/names, /api/distro/names,
/api/packages/wiki and the /api redirect (contract §3.2)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import DistroFactory, PackageFactory, ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

PROJECT_KEYS = {
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


def names(response) -> list[str]:
    return [project["name"] for project in response.json()["projects"]]


@pytest.mark.parametrize("url", ["/api/version", "/api/version/"])
def test_version(api, url):
    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"version": "1.2"}


@pytest.mark.parametrize("url", ["/api", "/api/"])
def test_api_root_redirects_to_the_interactive_docs(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/api/v2/schema/swagger-ui/"
    assert client.get(response["Location"]).status_code == 200


def test_project_json_keys_types_and_values(api):
    moment = dt.datetime(2014, 9, 5, 11, 40, 22, tzinfo=dt.UTC)
    project = ProjectFactory(
        name="2ping",
        homepage="https://www.finnie.org/software/2ping/",
        version_url="https://www.finnie.org/software/2ping",
        version_prefix="v",
        version_filter="bad",
        latest_version="2.1.1",
        created_on=moment,
        updated_on=moment + dt.timedelta(days=1),
    )
    for raw in ("v2.0", "v2.1.1", "2.1.0-rc1", "1.0-bad"):
        ProjectVersionFactory(project=project, version=raw)
    PackageFactory(project=project, package_name="2ping")  # not shown by v1 lists

    response = api.get("/api/projects")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"projects", "total"}
    assert body["total"] == 1
    (item,) = body["projects"]
    assert set(item) == PROJECT_KEYS
    assert item == {
        "backend": "custom",
        "created_on": 1409917222.0,
        "ecosystem": "https://www.finnie.org/software/2ping/",
        "homepage": "https://www.finnie.org/software/2ping/",
        "id": project.pk,
        "name": "2ping",
        "regex": None,
        "stable_versions": ["2.1.1", "2.0"],
        "updated_on": 1410003622.0,
        "version": "2.1.1",
        "version_url": "https://www.finnie.org/software/2ping",
        "versions": ["2.1.1", "2.1.0-rc1", "2.0"],
    }
    assert isinstance(item["created_on"], float)
    # Flask's jsonify sorts keys: the raw body starts the same way.
    assert response.content.startswith(b'{"projects":[{"backend":"custom","created_on":')


def test_all_projects_ordered_by_name_ignoring_case(api):
    for name in ("beta", "Alpha", "gamma", "alpha"):
        ProjectFactory(name=name)
    response = api.get("/api/projects/")
    assert names(response) == ["Alpha", "alpha", "beta", "gamma"]
    assert response.json()["total"] == 4


def test_pattern_without_star_is_a_prefix_ignoring_case(api):
    for name in ("pyfoo", "PyBar", "numpy", "python"):
        ProjectFactory(name=name)
    assert names(api.get("/api/projects", {"pattern": "py"})) == ["PyBar", "pyfoo", "python"]
    assert names(api.get("/api/projects", {"pattern": "*py"})) == ["numpy"]
    assert names(api.get("/api/projects", {"pattern": "*PY*"})) == [
        "numpy",
        "PyBar",
        "pyfoo",
        "python",
    ]


def test_pattern_wildcards_are_only_stars(api):
    ProjectFactory(name="a_b")
    ProjectFactory(name="axb")
    ProjectFactory(name="a%c")
    assert names(api.get("/api/projects", {"pattern": "a_"})) == ["a_b"]
    assert names(api.get("/api/projects", {"pattern": "a%"})) == ["a%c"]


def test_pattern_matches_package_names_too(api):
    requests = ProjectFactory(name="requests")
    ProjectFactory(name="other")
    PackageFactory(project=requests, package_name="python-requests")
    assert names(api.get("/api/projects", {"pattern": "python-*"})) == ["requests"]


def test_pattern_with_distro_keeps_anityas_two_halves(api):
    fedora, debian = DistroFactory(name="Fedora"), DistroFactory(name="Debian")
    # Name matches and packaged in Fedora (under another name): found.
    pyyaml = ProjectFactory(name="pyyaml")
    PackageFactory(project=pyyaml, distro=fedora, package_name="PyYAML-rpm")
    # A package matching in Fedora: found.
    tool = ProjectFactory(name="tool")
    PackageFactory(project=tool, distro=fedora, package_name="python-tool")
    # Matching package in Debian only, though packaged in Fedora too: not found.
    other = ProjectFactory(name="other")
    PackageFactory(project=other, distro=debian, package_name="python-other")
    PackageFactory(project=other, distro=fedora, package_name="other")
    # Name matches but not in Fedora: not found.
    ProjectFactory(name="pyjwt")

    response = api.get("/api/projects", {"pattern": "py", "distro": "FEDORA"})
    assert names(response) == ["pyyaml", "tool"]
    response = api.get("/api/projects", {"pattern": "python-*", "distro": "fedora"})
    assert names(response) == ["tool"]


def test_distro_alone_lists_the_projects_mapped_there(api):
    fedora = DistroFactory(name="Fedora")
    for name in ("zeta", "Beta"):
        PackageFactory(project=ProjectFactory(name=name), distro=fedora)
    PackageFactory(project=ProjectFactory(name="elsewhere"))
    assert names(api.get("/api/projects", {"distro": "fedora"})) == ["Beta", "zeta"]


def test_an_empty_distro_with_a_pattern_finds_nothing_as_in_anitya(api):
    ProjectFactory(name="pyfoo")
    assert api.get("/api/projects", {"pattern": "py", "distro": ""}).json() == {
        "projects": [],
        "total": 0,
    }


def test_homepage_is_an_exact_match(api):
    ProjectFactory(name="a", homepage="https://example.org/a")
    ProjectFactory(name="b", homepage="https://example.org/A")
    assert names(api.get("/api/projects", {"homepage": "https://example.org/a"})) == ["a"]
    assert api.get("/api/projects", {"homepage": ""}).json()["total"] == 0


def test_pattern_and_homepage_are_exclusive(api):
    response = api.get("/api/projects", {"pattern": "a", "homepage": "https://example.org"})
    assert response.status_code == 400
    assert response.json() == {
        "output": "notok",
        "error": ["pattern and homepage are mutually exclusive.  Specify only one."],
    }


def test_nul_characters_are_refused(api):
    # Before any view (projects/bad_input.py): PostgreSQL cannot compare text with NUL.
    ProjectFactory(name="a")
    for url in ("/api/projects", "/api/projects/names", "/api/distro/names"):
        response = api.get(url, {"pattern": "a\x00"})
        assert response.status_code == 400
        assert response.json() == {"error": "The query string contains a control character."}


def test_a_new_project_shows_up_in_a_list_answered_before(api):
    ProjectFactory(name="pyone")
    assert names(api.get("/api/projects", {"pattern": "py"})) == ["pyone"]
    ProjectFactory(name="pytwo")
    assert names(api.get("/api/projects", {"pattern": "py"})) == ["pyone", "pytwo"]


@pytest.mark.parametrize("url", ["/api/projects/names", "/api/projects/names/"])
def test_project_names(api, url):
    for name in ("requests", "Requests", "requests-mock", "flask"):
        ProjectFactory(name=name)
    response = api.get(url, {"pattern": "requests"})
    assert response.status_code == 200
    assert response.json() == {
        "projects": ["requests", "Requests", "requests-mock"],
        "total": 3,
    }
    assert api.get(url).json()["total"] == 4


@pytest.mark.parametrize("url", ["/api/distro/names", "/api/distro/names/"])
def test_distro_names(api, url):
    for name in ("Fedora", "Fedora EPEL", "FZUG", "Debian"):
        DistroFactory(name=name)
    assert api.get(url, {"pattern": "f"}).json() == {
        "distro": ["Fedora", "Fedora EPEL", "FZUG"],
        "total": 3,
    }
    assert api.get(url, {"pattern": "*an"}).json() == {"distro": ["Debian"], "total": 1}
    assert api.get(url).json()["total"] == 4


@pytest.mark.parametrize("url", ["/api/packages/wiki", "/api/packages/wiki/"])
def test_packages_wiki_is_plain_text(api, url):
    two = ProjectFactory(name="2ping", version_url="https://www.finnie.org/software/2ping")
    three = ProjectFactory(name="3proxy", regex=r"3proxy-([\d.]+)", version_url=None)
    PackageFactory(project=three, package_name="3proxy")
    PackageFactory(project=two, package_name="2ping")
    PackageFactory(project=two, package_name="2ping-el", distro=DistroFactory(name="EPEL"))
    ProjectFactory(name="unmapped")

    response = api.get(url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == (
        "* 2ping None https://www.finnie.org/software/2ping\n"
        "* 2ping-el None https://www.finnie.org/software/2ping\n"
        "* 3proxy 3proxy-([\\d.]+) None"
    )


def test_wiki_is_text_whatever_the_client_accepts(api):
    PackageFactory(project=ProjectFactory(name="x", version_url="u"), package_name="x")
    response = api.get("/api/packages/wiki", HTTP_ACCEPT="application/json")
    assert response.content == b"* x None u"


def test_unknown_api_paths_are_json_404s(api):
    response = api.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json() == {"output": "notok", "error": "Not found"}
    assert api.post("/api/nothing").status_code == 404
    assert api.get("/api/project/abc").json() == {"output": "notok", "error": "no such project"}


def test_a_missing_trailing_slash_is_added_where_that_exists(api):
    response = api.get("/api/v2/schema", {"format": "json"})
    assert response.status_code == 301
    assert response["Location"] == "/api/v2/schema/?format=json"
