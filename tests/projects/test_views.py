"""The website: every route's status codes and permission rules, and what each page shows.

Upstreams are the scripted ``fake_backend`` (tests/projects/conftest.py): creating a project,
Test check and Full check never leave the process.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backends.base import BackendError
from messaging.models import OutboxMessage
from projects.models import Distro, Flag, Package, Project, ProjectVersion, RateLimitBlock
from tests.factories import (
    AdminFactory,
    DistroFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_client():
    """A signed-in user (a client of its own: tests use it next to ``client``)."""
    signed_in = Client()
    signed_in.force_login(UserFactory(username="ada"))
    return signed_in


@pytest.fixture
def admin_client():
    signed_in = Client()
    signed_in.force_login(AdminFactory(username="root"))
    return signed_in


def topics() -> list[str]:
    return list(OutboxMessage.objects.order_by("pk").values_list("topic", flat=True))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response["Location"]


def text(response) -> str:
    return response.content.decode()


def listed(response) -> list[str]:
    """The project names a list page shows, in order."""
    return re.findall(r'<td class="name"><a href="[^"]*">([^<]*)</a>', text(response))


# -- home, about, lists -----------------------------------------------------------------------


def test_home_shows_the_count_the_search_and_the_latest_releases(client):
    project = ProjectFactory(name="geany", version_prefix="geany-")
    ProjectVersionFactory(project=project, version="geany-2.0")
    ProjectFactory(name="other")

    response = client.get("/")

    assert response.status_code == 200
    assert "Currently tracking <strong>2</strong> projects" in text(response)
    assert 'role="search"' in text(response)
    assert "<td>2.0</td>" in text(response)  # the version as users read it, prefix removed
    assert 'type="application/atom+xml"' in text(response)


def test_about_page_opens(client):
    assert client.get("/about").status_code == 200


@pytest.mark.parametrize("url", ["/projects", "/projects/"])
def test_project_list_is_paginated_by_50_and_sorted_across_pages(client, url):
    for index in range(55):
        ProjectFactory(name=f"proj{index:02d}")

    first = client.get(url, {"sort": "name_desc"})
    second = client.get(url, {"sort": "name_desc", "page": 2})

    assert first.status_code == second.status_code == 200
    assert listed(first)[0] == "proj54"
    assert listed(second) == [f"proj{i:02d}" for i in range(4, -1, -1)]
    assert "55 projects" in text(first)


def test_project_list_sorts_by_homepage_and_backend_ignoring_case_and_bad_input(client):
    ProjectFactory(name="b", homepage="https://Zeta.example/", backend="GitHub", version_url="x/b")
    ProjectFactory(name="a", homepage="https://alpha.example/", backend="custom")

    by_homepage = client.get("/projects/", {"sort": "HOMEPAGE_ASC"})
    by_backend = client.get("/projects/", {"sort": "backend_desc"})
    unknown = client.get("/projects/", {"sort": "evil; drop", "page": "x"})

    assert listed(by_homepage) == ["a", "b"]
    # Ignoring case "github" > "custom" (a byte order would put "GitHub" before "custom").
    assert listed(by_backend) == ["b", "a"]
    assert unknown.status_code == 200
    assert listed(unknown) == ["a", "b"]


def test_search_column_headers_keep_the_search_and_reverse_the_sort(client):
    ProjectFactory(name="héllo & co")
    ProjectFactory(name="héllo two")
    query = {"pattern": "héllo*", "page": "1", "sort": "name_asc"}
    page = text(client.get("/projects/search/", query))

    name = re.search(r'<th scope="col" aria-sort="ascending"><a href="([^"]*)">Name ', page)
    assert name and name[1] == "?pattern=h%C3%A9llo%2A&amp;sort=name_desc"
    homepage = '<a href="?pattern=h%C3%A9llo%2A&amp;sort=homepage_asc">Homepage</a></th>'
    assert '<th scope="col" class="wide" aria-sort="none">' + homepage in page


def _query_count(client, url) -> int:
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_project_list_takes_the_same_queries_for_5_and_50_rows(user_client):
    ProjectFactory.create_batch(5)
    few = _query_count(user_client, "/projects/")
    ProjectFactory.create_batch(45)
    many = _query_count(user_client, "/projects/")
    assert few == many <= 8


def test_status_lists_filter_and_order_as_anitya(client):
    now = timezone.now()
    ok_old = ProjectFactory(name="ok-old", check_successful=True, last_check=now - dt.timedelta(1))
    ok_new = ProjectFactory(name="ok-new", check_successful=True, last_check=now, logs="fine")
    ProjectFactory(name="bad1", check_successful=False, error_counter=1, logs="Timeout")
    ProjectFactory(name="bad5", check_successful=False, error_counter=5, logs="HTTP 404")
    ProjectFactory(name="limited", check_successful=False, error_counter=0, latest_version="1")
    ProjectFactory(name="gone", archived=True, latest_version="1")
    ok_old.latest_version = ok_new.latest_version = "1.0"
    Project.objects.filter(pk__in=[ok_old.pk, ok_new.pk]).update(latest_version="1.0")

    def names(url, **params):
        response = client.get(url, params)
        assert response.status_code == 200
        return [p.name for p in response.context["page"]]

    assert names("/projects/updates/updated") == ["ok-new", "ok-old"]
    assert names("/projects/updates") == ["ok-new", "ok-old"]  # the default status
    assert names("/projects/updates/failed") == ["bad5", "bad1"]
    assert names("/projects/updates/never_updated") == ["bad1", "bad5"]
    assert names("/projects/updates/archived") == ["gone"]
    assert names("/projects/updates/failed", name="*5") == ["bad5"]
    assert names("/projects/updates/failed", log="timeout") == ["bad1"]
    assert names("/projects/updates/updated", name="NEW") == ["ok-new"]


def test_unknown_status_says_so_and_lists_every_project(client):
    ProjectFactory.create_batch(3)
    response = client.get("/projects/updates/bogus")
    assert response.status_code == 200
    assert "bogus is not a valid status" in text(response)
    assert "Returning all the projects" in text(response)
    assert response.context["page"].paginator.count == 3


# -- search -----------------------------------------------------------------------------------


def test_search_by_glob_name_and_package_name(client):
    ProjectFactory(name="python-requests")
    ProjectFactory(name="pytest")
    packaged = ProjectFactory(name="libfoo")
    PackageFactory(project=packaged, package_name="foo-utils")
    ProjectFactory(name="ruby")

    def names(url, **params):
        return sorted(p.name for p in client.get(url, params).context["page"])

    assert names("/projects/search/", pattern="py*") == ["pytest", "python-requests"]
    assert names("/projects/search/py*") == ["pytest", "python-requests"]
    assert names("/projects/search/", pattern="foo-utils") == ["libfoo"]
    assert names("/projects/search/", pattern="PY*", exact="1") == ["pytest", "python-requests"]


def test_search_with_one_exact_match_redirects_to_the_project(client):
    project = ProjectFactory(name="geany")
    ProjectFactory(name="geany-plugins")

    exact = client.get("/projects/search/", {"pattern": "geany", "exact": "1"})
    extended = client.get("/projects/search/", {"pattern": "geany"})

    assert exact.status_code == 302
    assert exact["Location"] == f"/project/{project.pk}/"
    assert extended.status_code == 200  # *geany* finds both
    assert extended.context["page"].paginator.count == 2


def test_search_without_results_offers_to_add_the_project(user_client):
    response = user_client.get("/projects/search", {"pattern": "nothing*"})
    assert response.status_code == 200
    assert "No project found." in text(response)
    assert "/project/new?name=nothing" in text(response)


def test_distro_search_is_restricted_to_the_distro(client):
    fedora = DistroFactory(name="Fedora")
    PackageFactory(distro=fedora, project=ProjectFactory(name="pyfoo"))
    ProjectFactory(name="pybar")

    response = client.get("/distro/fedora/search/", {"pattern": "py"})

    assert response.status_code == 200
    assert [p.name for p in response.context["page"]] == ["pyfoo"]
    assert client.get("/distro/fedora/search/py*").status_code == 200
    assert client.get("/distro/nowhere/search/").status_code == 404


# -- the project page -------------------------------------------------------------------------


@pytest.fixture
def project_with_history():
    now = timezone.now()
    project = ProjectFactory(
        name="geany",
        version_filter="nightly",
        pre_release_filter="rc",
        check_successful=True,
        last_check=now,
        next_check=now + dt.timedelta(hours=1),
        next_check_reason="Checked every hour",
        logs="Version retrieved correctly",
    )
    ProjectVersionFactory(project=project, version="1.0", created_on=now - dt.timedelta(3))
    ProjectVersionFactory(
        project=project,
        version="2.0",
        created_on=now,
        published_at=now - dt.timedelta(hours=5),
        commit_url="https://example.org/commit/abc",
    )
    ProjectVersionFactory(project=project, version="2.1rc1", created_on=now)
    ProjectVersionFactory(project=project, version="3.0-nightly", created_on=now)
    return project


def test_project_page_for_everyone_lists_visible_versions_newest_first(
    client, project_with_history
):
    response = client.get(f"/project/{project_with_history.pk}/")

    assert response.status_code == 200
    rows = response.context["versions"]
    assert [row["version"].parsed for row in rows] == ["2.1rc1", "2.0", "1.0"]
    page = text(response)
    assert "3.0-nightly" not in page  # filtered versions are for administrators only
    assert "pre-release" in page
    assert 'href="https://example.org/commit/abc"' in page
    assert "Checked every hour" in page
    assert "Version retrieved correctly" in page
    assert "Delete versions" not in page and ">Archive<" not in page
    assert "Sign in</a> to edit" in page
    assert f'href="/project/{project_with_history.pk}/feed/"' in page


def test_project_page_shows_the_latest_stable_version_with_its_commit_link(
    client, project_with_history
):
    latest = client.get(f"/project/{project_with_history.pk}").context["latest"]
    # 2.1rc1 is newer: the latest version shown is the newest visible one, as Anitya.
    assert latest["version"].parsed == "2.1rc1"
    project_with_history.versions.filter(version="2.1rc1").delete()
    latest = client.get(f"/project/{project_with_history.pk}").context["latest"]
    assert latest["stored"].commit_url == "https://example.org/commit/abc"


def test_project_page_for_administrators_shows_filtered_and_raw_versions_and_controls(
    admin_client, project_with_history
):
    response = admin_client.get(f"/project/{project_with_history.pk}/")

    rows = response.context["versions"]
    assert (rows[0]["stored"].version, rows[0]["filtered"]) == ("3.0-nightly", True)
    page = text(response)
    assert 'class="filtered"' in page and "Filtered" in page
    assert "Delete versions" in page
    assert ">Archive<" in page
    assert "Delete project" in page
    assert "Full check" in page
    assert project_with_history.ecosystem_name in page


def test_project_page_health_shows_a_rate_limit_and_the_error_streak(client):
    reset = timezone.now() + dt.timedelta(minutes=30)
    project = ProjectFactory(
        version_url="https://api.example.org/releases",
        check_successful=False,
        error_counter=3,
        logs="first line\nRate limit was reached.",
        next_check=reset,
        next_check_reason=f"Rate limited until {reset:%Y-%m-%d %H:%M:%S} UTC",
    )
    RateLimitBlock.objects.create(scope="api.example.org", reset_at=reset)

    response = client.get(f"/project/{project.pk}/")

    assert response.context["rate_limited_until"] == reset
    page = text(response)
    assert "Rate limited until" in page
    assert "<dd>3</dd>" in page
    assert "Rate limit was reached." in page and "first line" not in page


def test_project_page_links_mappings_to_the_distros_package_pages(client, settings):
    settings.DISTRO_MAPPING_LINKS = {"Fedora": "https://src.fedoraproject.org/rpms/%s"}
    project = ProjectFactory()
    PackageFactory(project=project, distro=DistroFactory(name="Fedora"), package_name="py foo")
    PackageFactory(project=project, distro=DistroFactory(name="Arch"), package_name="foo")

    page = text(client.get(f"/project/{project.pk}/"))

    assert 'href="https://src.fedoraproject.org/rpms/py%20foo"' in page
    assert page.index(">Arch<") < page.index(">Fedora<")


def test_project_page_takes_the_same_queries_for_5_and_50_versions(user_client):
    project = ProjectFactory()
    PackageFactory(project=project)
    ProjectVersionFactory.create_batch(5, project=project)
    few = _query_count(user_client, f"/project/{project.pk}/")
    ProjectVersionFactory.create_batch(45, project=project)
    PackageFactory.create_batch(3, project=project)
    many = _query_count(user_client, f"/project/{project.pk}/")
    assert few == many <= 8


def test_missing_project_is_404(client):
    assert client.get("/project/999999/").status_code == 404
    assert client.get("/project/999999/feed/").status_code == 404


def test_project_by_name_renders_the_single_match_or_the_search(client):
    project = ProjectFactory(name="geany")
    PackageFactory(project=ProjectFactory(name="other"), package_name="pkg")
    ProjectFactory(name="twin", homepage="https://one.example/")
    ProjectFactory(name="twin", homepage="https://two.example/")

    assert client.get("/project/geany").context["project"] == project
    assert client.get("/project/pkg/").context["project"].name == "other"
    twins = client.get("/project/twin/")
    assert twins.status_code == 302
    assert client.get(twins["Location"]).context["page"].paginator.count == 2
    assert client.get("/project/nothing/", follow=True).status_code == 200


def test_consumer_links_redirect_to_the_pages(client):
    project = ProjectFactory()
    DistroFactory(name="Fedora")
    response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 301 and response["Location"] == f"/project/{project.pk}/"
    response = client.get("/distros/Fedora/")
    assert response.status_code == 301 and response["Location"] == "/distro/Fedora/"


# -- Test check and Full check on the project page --------------------------------------------


def test_test_check_needs_a_signed_in_user(client):
    project = ProjectFactory()
    assert is_login_redirect(client.post(f"/project/{project.pk}/test-check"))


def test_test_check_shows_what_a_check_would_find_and_stores_nothing(user_client, fake_backend):
    project = ProjectFactory(name="geany")
    ProjectVersionFactory(project=project, version="1.0")
    fake_backend.script["geany"] = ["1.0", "1.1", "2.0"]
    url = f"/project/{project.pk}/test-check"

    as_json = user_client.post(url, HTTP_ACCEPT="application/json")
    as_html = user_client.post(url)

    assert as_json.status_code == 200
    assert as_json.json() == {
        "versions": ["2.0", "1.1", "1.0"],
        "found_versions": ["2.0", "1.1"],
        "latest_version": "2.0",
    }
    assert as_html.status_code == 200
    assert "Test check result" in text(as_html) and "New versions: 2.0, 1.1" in text(as_html)
    assert project.versions.count() == 1
    assert topics() == []


def test_test_check_reports_upstream_errors_and_archived_projects(user_client, fake_backend):
    project = ProjectFactory(name="broken")
    fake_backend.script["broken"] = BackendError("HTTP 404 for https://example.org/")
    archived = ProjectFactory(archived=True)

    failed = user_client.post(f"/project/{project.pk}/test-check", HTTP_ACCEPT="application/json")
    refused = user_client.post(f"/project/{archived.pk}/test-check")

    assert failed.status_code == 400
    assert failed.json() == {"error": "HTTP 404 for https://example.org/"}
    assert refused.status_code == 400
    assert "archived" in text(refused)


def test_full_check_rules_for_users(user_client, fake_backend):
    fresh = ProjectFactory(name="fresh")
    checked = ProjectFactory(name="checked")
    ProjectVersionFactory(project=checked, version="0.1")
    fake_backend.script["fresh"] = ["1.0"]

    allowed = user_client.post(f"/project/{fresh.pk}/check")
    refused = user_client.post(f"/project/{checked.pk}/check")

    assert allowed.status_code == 302
    assert list(fresh.versions.values_list("version", flat=True)) == ["1.0"]
    assert "project.version.update.v2" in topics()
    assert refused.status_code == 401
    assert user_client.get(f"/project/{fresh.pk}/check").status_code == 405


def test_full_check_is_allowed_right_after_an_edit(user_client, fake_backend):
    project = ProjectFactory(name="geany")
    ProjectVersionFactory(project=project, version="0.1")
    form = {
        "name": "geany",
        "homepage": project.homepage,
        "backend": "custom",
        "version_url": project.version_url,
        "version_prefix": "v",
    }
    assert user_client.post(f"/project/{project.pk}/edit", form).status_code == 302

    response = user_client.post(f"/project/{project.pk}/check", follow=True)

    assert response.status_code == 200
    assert "Check finished: 1 new version (1.0)" in text(response)


def test_full_check_of_an_archived_project_is_refused(admin_client, fake_backend):
    project = ProjectFactory(archived=True)
    response = admin_client.post(f"/project/{project.pk}/check", follow=True)
    assert "Project is archived, can&#x27;t check new versions" in text(response)
    assert fake_backend.calls == {}


def test_full_check_failure_is_shown(admin_client, fake_backend):
    project = ProjectFactory(name="broken")
    fake_backend.script["broken"] = BackendError("No versions here")
    response = admin_client.post(f"/project/{project.pk}/check", follow=True)
    assert "Check failed: No versions here" in text(response)


# -- create and edit --------------------------------------------------------------------------


def project_form(**overrides) -> dict:
    form = {
        "name": "geany",
        "homepage": "https://www.geany.org/",
        "backend": "custom",
        "version_url": "https://www.geany.org/Download/Releases",
        "version_scheme": "",
        "regex": "DEFAULT",
    }
    form.update(overrides)
    return form


def test_new_project_needs_a_signed_in_user(client):
    assert is_login_redirect(client.get("/project/new"))
    assert is_login_redirect(client.post("/project/new", project_form()))


def test_new_project_form_is_prefilled_from_the_query(user_client):
    response = user_client.get(
        "/project/new", {"name": "geany", "backend": "GitHub", "distro": "Fedora"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form["name"].value() == "geany"
    assert form["backend"].value() == "GitHub"
    assert form["distro"].value() == "Fedora"
    page = text(response)
    assert 'id="backend-help"' in page  # the backends' field help, for the script
    assert "GitHub owner/project" in page  # the selected backend's label


def test_creating_a_project_validates_stores_maps_and_announces(user_client, fake_backend):
    fake_backend.script["geany"] = ["1.0", "2.0"]

    response = user_client.post(
        "/project/new",
        project_form(distro="Fedora", package_name="geany-ide", check_release="on"),
    )

    project = Project.objects.get(name="geany")
    assert response.status_code == 302
    assert response["Location"] == f"/project/{project.pk}/"
    assert [(p.distro.name, p.package_name) for p in project.packages.all()] == [
        ("Fedora", "geany-ide")
    ]
    assert project.latest_version == "2.0"
    # The validating check is the first check: its versions are announced before the mapping.
    assert topics() == [
        "project.add",
        "project.version.update",
        "project.version.update.v2",
        "distro.add",
        "project.map.new",
    ]
    assert fake_backend.calls["geany"] == 1  # no second fetch after saving
    page = text(user_client.get(response["Location"]))
    assert "Project created" in page


def test_creating_a_project_shows_service_errors_next_to_their_fields(user_client, fake_backend):
    response = user_client.post(
        "/project/new", project_form(homepage="not a url", regex="(unclosed")
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["homepage"] == ["Enter a valid http or https URL."]
    assert "regex" in form.errors
    assert Project.objects.count() == 0


def test_creating_a_project_without_required_fields_is_a_400(user_client):
    response = user_client.post("/project/new", {"backend": "nope"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "homepage", "backend"} <= set(errors)


def test_creating_a_duplicate_is_a_409_linking_the_existing_project(user_client, fake_backend):
    existing = ProjectFactory(name="geany", homepage="https://www.geany.org/")

    response = user_client.post("/project/new", project_form())

    assert response.status_code == 409
    page = text(response)
    assert "Unable to create project since it already exists." in page
    assert f'href="/project/{existing.pk}/"' in page


def test_creating_a_project_whose_check_fails_is_a_400_and_stores_nothing(
    user_client, fake_backend
):
    fake_backend.script["geany"] = BackendError("HTTP 404")

    response = user_client.post("/project/new", project_form())

    assert response.status_code == 400
    assert "The check failed: could not retrieve versions. Error: HTTP 404." in text(response)
    assert Project.objects.count() == 0
    assert topics() == []


def test_new_project_form_test_check_previews_the_typed_values(user_client, fake_backend):
    fake_backend.script["geany"] = ["v1.0", "v2.0rc1"]
    form = project_form(action="test", pre_release_filter="rc")

    as_json = user_client.post("/project/new", form, HTTP_ACCEPT="application/json")
    as_html = user_client.post("/project/new", form)
    invalid = user_client.post(
        "/project/new", {**form, "homepage": "nope"}, HTTP_ACCEPT="application/json"
    )

    assert as_json.status_code == 200
    assert as_json.json()["versions"] == ["2.0rc1", "1.0"]
    assert as_html.status_code == 200 and "Test check result" in text(as_html)
    assert invalid.status_code == 400
    assert invalid.json() == {"errors": {"homepage": "Enter a valid http or https URL."}}
    assert Project.objects.count() == 0


def test_edit_form_test_check_uses_the_stored_versions(user_client, fake_backend):
    project = ProjectFactory(name="geany")
    ProjectVersionFactory(project=project, version="1.0")
    fake_backend.script["geany"] = ["1.0", "1.1"]
    form = project_form(action="test", homepage=project.homepage, version_url=project.version_url)

    response = user_client.post(f"/project/{project.pk}/edit", form, HTTP_ACCEPT="application/json")

    assert response.json()["found_versions"] == ["1.1"]


def test_editing_a_project(user_client):
    project = ProjectFactory(name="geany")
    form = project_form(homepage=project.homepage, version_url=project.version_url)

    assert user_client.get(f"/project/{project.pk}/edit").status_code == 200
    edited = user_client.post(f"/project/{project.pk}/edit", {**form, "version_prefix": "v"})
    again = user_client.post(
        f"/project/{project.pk}/edit", {**form, "version_prefix": "v"}, follow=True
    )

    assert edited.status_code == 302
    project.refresh_from_db()
    assert project.version_prefix == "v"
    assert topics() == ["project.edit"]
    assert "Project edited - No changes were made" in text(again)


def test_editing_into_a_duplicate_is_a_409(user_client):
    ProjectFactory(name="geany", homepage="https://www.geany.org/")
    project = ProjectFactory(name="other", homepage="https://www.geany.org/")
    response = user_client.post(
        f"/project/{project.pk}/edit", project_form(version_url=project.version_url)
    )
    assert response.status_code == 409


def test_archived_and_missing_projects_cannot_be_edited_or_mapped(user_client):
    archived = ProjectFactory(archived=True)
    for url in (
        f"/project/{archived.pk}/edit",
        f"/project/{archived.pk}/map",
        "/project/999999/edit",
        "/project/999999/map",
    ):
        assert user_client.get(url).status_code == 404, url


def test_similar_projects_share_the_name_or_the_homepage(client):
    same_name = ProjectFactory(name="Geany", homepage="https://a.example/")
    same_home = ProjectFactory(name="other", homepage="https://www.geany.org/")
    ProjectFactory(name="unrelated")

    found = client.get(
        "/projects/similar", {"name": "geany", "homepage": "https://www.geany.org"}
    ).json()["projects"]
    excluded = client.get("/projects/similar", {"name": "geany", "exclude": same_name.pk}).json()[
        "projects"
    ]

    assert sorted(p["id"] for p in found) == sorted([same_name.pk, same_home.pk])
    assert found[0]["url"] == f"/project/{same_name.pk}/"
    assert excluded == []
    assert client.get("/projects/similar", {"exclude": "x"}).json() == {"projects": []}


# -- flags and mappings -----------------------------------------------------------------------


def test_flagging_a_project(client, user_client):
    project = ProjectFactory()
    archived = ProjectFactory(archived=True)
    url = f"/project/{project.pk}/flag"

    assert user_client.get(url).status_code == 200
    empty = user_client.post(url, {"reason": "  "})
    done = user_client.post(url, {"reason": "The homepage moved."}, follow=True)
    archived_flag = user_client.post(f"/project/{archived.pk}/flag", {"reason": "Unarchive"})

    assert empty.status_code == 400
    assert "Project flagged for admin review" in text(done)
    assert Flag.objects.filter(project=project, author__username="ada").count() == 1
    assert archived_flag.status_code == 302  # how users ask for an unarchive
    assert topics() == ["project.flag", "project.flag"]


def test_flagging_needs_a_signed_in_user(client):
    project = ProjectFactory()
    assert is_login_redirect(client.get(f"/project/{project.pk}/flag"))
    assert client.get("/project/999999/flag").status_code == 302


def test_adding_and_editing_a_mapping(user_client):
    project = ProjectFactory(name="geany")
    DistroFactory(name="Fedora")

    form = user_client.get(f"/project/{project.pk}/map", {"distro": "Fedora"})
    added = user_client.post(
        f"/project/{project.pk}/map", {"distro": "fedora", "package_name": "geany"}
    )
    package = Package.objects.get()
    edit_page = user_client.get(f"/project/{project.pk}/map/{package.pk}")
    edited = user_client.post(
        f"/project/{project.pk}/map/{package.pk}", {"distro": "Fedora", "package_name": "geany2"}
    )

    assert form.status_code == 200
    assert form.context["form"]["package_name"].value() == "geany"
    assert added.status_code == 302
    assert package.distro.name == "Fedora"  # found ignoring case, not created again
    assert edit_page.context["form"]["package_name"].value() == "geany"
    assert edited.status_code == 302
    assert Package.objects.get().package_name == "geany2"
    assert topics() == ["project.map.new", "project.map.update"]


def test_a_mapping_clash_names_the_owning_project_with_a_link(user_client):
    owner = ProjectFactory(name="owner")
    PackageFactory(project=owner, distro=DistroFactory(name="Fedora"), package_name="foo")
    project = ProjectFactory()

    response = user_client.post(
        f"/project/{project.pk}/map", {"distro": "Fedora", "package_name": "foo"}
    )

    assert response.status_code == 400
    page = text(response)
    assert "there is already a package foo on Fedora" in page
    assert f'<a href="/project/{owner.pk}/">owner</a>' in page


def test_a_mapping_to_a_new_distro_creates_it(user_client):
    project = ProjectFactory()
    user_client.post(f"/project/{project.pk}/map", {"distro": "Gentoo", "package_name": "x"})
    assert Distro.objects.filter(name="Gentoo").exists()
    assert topics() == ["distro.add", "project.map.new"]


def test_editing_another_projects_mapping_is_404(user_client):
    package = PackageFactory()
    project = ProjectFactory()
    assert user_client.get(f"/project/{project.pk}/map/{package.pk}").status_code == 404


def test_mapping_needs_a_signed_in_user(client):
    project = ProjectFactory()
    assert is_login_redirect(client.get(f"/project/{project.pk}/map"))


# -- distros ----------------------------------------------------------------------------------


def test_distro_list_and_page(client):
    fedora = DistroFactory(name="Fedora")
    DistroFactory(name="arch")
    PackageFactory(distro=fedora, project=ProjectFactory(name="b"))
    PackageFactory(distro=fedora, project=ProjectFactory(name="A"))

    listing = client.get("/distros/")
    page = client.get("/distro/FEDORA/")

    assert listing.status_code == 200
    assert [d.name for d in listing.context["page"]] == ["arch", "Fedora"]
    assert client.get("/distros").status_code == 200
    assert page.status_code == 200
    assert [p.name for p in page.context["page"]] == ["A", "b"]
    assert 'href="/distro/Fedora/feed/"' in text(page)
    assert client.get("/distro/nowhere/").status_code == 404


def test_adding_a_distro(client, user_client):
    assert is_login_redirect(client.get("/distro/add"))
    DistroFactory(name="Fedora")

    assert user_client.get("/distro/add").status_code == 200
    added = user_client.post("/distro/add", {"name": "Gentoo"})
    duplicate = user_client.post("/distro/add", {"name": "fedora"})
    empty = user_client.post("/distro/add", {"name": ""})

    assert added.status_code == 302
    assert Distro.objects.filter(name="Gentoo").exists()
    assert duplicate.status_code == 409
    assert "Could not add this distro, already exists?" in text(duplicate)
    assert empty.status_code == 400
    assert topics() == ["distro.add"]


def test_distro_edit_and_delete_send_administrators_to_the_admin(user_client, admin_client):
    distro = DistroFactory(name="Fedora")
    edit = admin_client.get("/distro/fedora/edit")
    delete = admin_client.get("/distro/Fedora/delete")
    assert edit.status_code == 302
    assert edit["Location"] == reverse("admin:projects_distro_change", args=[distro.pk])
    assert delete["Location"] == reverse("admin:projects_distro_delete", args=[distro.pk])
    assert admin_client.get("/distro/nowhere/edit").status_code == 404


def test_distro_edit_is_401_for_users(user_client):
    DistroFactory(name="Fedora")
    assert user_client.get("/distro/Fedora/edit").status_code == 401


# -- administrators ---------------------------------------------------------------------------


def test_archiving_rules(client, user_client, admin_client):
    project = ProjectFactory()
    url = f"/project/{project.pk}/archive/set/true"

    assert is_login_redirect(client.post(url, {"confirm": "1"}))
    assert user_client.post(url, {"confirm": "1"}).status_code == 401
    assert admin_client.post(f"/project/{project.pk}/archive/set/maybe").status_code == 422
    assert admin_client.post("/project/999999/archive/set/true").status_code == 404
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(url).status_code == 302  # no confirm: nothing happens
    project.refresh_from_db()
    assert not project.archived

    archived = admin_client.post(url, {"confirm": "1"}, follow=True)
    project.refresh_from_db()
    assert project.archived
    assert "Project archived" in text(archived)
    assert "This project is archived" in text(archived)
    admin_client.post(f"/project/{project.pk}/archive/set/FALSE", {"confirm": "1"})
    project.refresh_from_db()
    assert not project.archived
    assert topics() == ["project.edit", "project.edit"]


def test_deleting_a_project(user_client, admin_client):
    project = ProjectFactory(name="doomed")
    ProjectVersionFactory(project=project)

    assert user_client.get(f"/project/{project.pk}/delete").status_code == 401
    confirm = admin_client.get(f"/project/{project.pk}/delete")
    unconfirmed = admin_client.post(f"/project/{project.pk}/delete")
    deleted = admin_client.post(f"/project/{project.pk}/delete", {"confirm": "1"})

    assert confirm.status_code == 200 and "with its 1 version(s)" in text(confirm)
    assert unconfirmed.status_code == 200
    assert deleted.status_code == 302 and deleted["Location"] == "/projects/"
    assert not Project.objects.filter(pk=project.pk).exists()
    assert topics() == ["project.remove"]
    assert admin_client.get("/project/999999/delete").status_code == 404


def test_deleting_versions(user_client, admin_client):
    project = ProjectFactory()
    ProjectVersionFactory(project=project, version="1.0")
    ProjectVersionFactory(project=project, version="2.0")
    ProjectVersionFactory(project=project, version="versions")  # no route clash here
    Project.objects.filter(pk=project.pk).update(latest_version="versions")
    one = f"/project/{project.pk}/delete/version"
    every = f"/project/{project.pk}/delete/versions"

    assert user_client.post(one, {"version": "2.0", "confirm": "1"}).status_code == 401
    assert admin_client.post(one, {"version": "9.9", "confirm": "1"}).status_code == 404
    assert admin_client.post(one, {"version": "versions", "confirm": "1"}).status_code == 302
    assert sorted(project.versions.values_list("version", flat=True)) == ["1.0", "2.0"]
    project.refresh_from_db()
    assert project.latest_version == "2.0"

    assert admin_client.get(every).status_code == 200
    assert admin_client.post(every, {"confirm": "1"}).status_code == 302
    assert project.versions.count() == 0
    assert topics() == ["project.version.remove.v2", "project.version.remove.v2"]


def test_deleting_a_mapping(user_client, admin_client):
    project = ProjectFactory()
    package = PackageFactory(project=project, distro=DistroFactory(name="Fedora/EPEL"))
    other = PackageFactory()
    url = f"/project/{project.pk}/map/{package.pk}/delete"

    assert user_client.get(url).status_code == 401
    page = admin_client.get(f"/project/{project.pk}/")  # a "/" in a distro name is no 500
    assert page.status_code == 200 and f'href="{url}"' in text(page)
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"/project/{project.pk}/map/{other.pk}/delete").status_code == 404
    assert admin_client.post(url, {"confirm": "1"}).status_code == 302
    assert not Package.objects.filter(pk=package.pk).exists()
    assert topics() == ["project.map.remove"]


def test_flags_and_users_pages_are_the_admins(client, user_client, admin_client):
    for url in ("/flags", "/users"):
        assert is_login_redirect(client.get(url))
        assert user_client.get(url).status_code == 401
    assert admin_client.get("/flags")["Location"].startswith(
        reverse("admin:projects_flag_changelist")
    )
    assert admin_client.get("/users")["Location"] == reverse("admin:accounts_user_changelist")


def test_logs_page_is_for_signed_in_users(client, user_client):
    ProjectFactory(name="checked", last_check=timezone.now(), logs="No new version found")
    ProjectFactory(name="never")

    assert is_login_redirect(client.get("/logs"))
    response = user_client.get("/logs", {"refresh": "1"})

    assert response.status_code == 200
    assert [p.name for p in response.context["page"]] == ["checked", "never"]
    assert 'http-equiv="refresh"' in text(response)


@pytest.mark.parametrize(
    "url", ["/", "/projects/", "/distros/", "/projects/search/", "/projects/updates/"]
)
def test_read_only_pages_refuse_posts(client, url):
    assert client.post(url).status_code == 405


def test_pages_have_landmarks_a_skip_link_and_the_last_check_run(client):
    from projects.models import CheckRun

    CheckRun.objects.create(total_count=7, success_count=6, error_count=1)
    page = text(client.get("/projects/"))
    assert '<a class="skip-link" href="#content">' in page
    assert '<main id="content"' in page and "<header" in page and "<footer" in page
    assert "7 checked, 6 ok," in page
    assert 'rel="icon"' in page


def test_a_project_with_thousands_of_versions_shows_them_a_page_at_a_time(client):
    from projects.site.project import VERSIONS_PER_PAGE

    project = ProjectFactory(name="many")
    ProjectVersion.objects.bulk_create(
        ProjectVersion(project=project, version=f"1.{n}") for n in range(2_500)
    )
    first = client.get(f"/project/{project.pk}/")
    assert first.status_code == 200
    assert len(first.context["versions"]) == VERSIONS_PER_PAGE
    assert first.context["versions"][0]["version"].parsed == "1.2499"
    assert "2500 versions, newest first" in first.content.decode()
    last = client.get(f"/project/{project.pk}/?page=25")
    assert last.context["versions"][-1]["version"].parsed == "1.0"
    # A page number that is not one shows the first page, not an error.
    assert client.get(f"/project/{project.pk}/?page=x").status_code == 200


# -- form errors, the page after saving, open flags (issue #14) --------------------------------


def error_summary(response) -> str:
    """The form's error summary (projects/_form_errors.html), or "" when there is none."""
    found = re.search(r'<div class="error-summary".*?</div>', text(response), re.S)
    return found.group(0) if found else ""


def test_a_field_error_below_the_fold_is_summed_up_at_the_top_and_focused(user_client):
    response = user_client.post("/project/new", project_form(regex="(unclosed"))

    assert response.status_code == 400
    summary = error_summary(response)
    assert 'role="alert"' in summary and "autofocus" in summary and 'tabindex="-1"' in summary
    assert "There is a problem" in summary
    assert '<a href="#id_regex" data-field-id="id_regex">Regex: ' in summary
    # The summary opens the form; the error is still next to its field, which is labelled.
    page = text(response)
    assert page.index('id="error-summary"') < page.index('id="row-name"')
    assert 'id="id_regex_error"' in page


def test_the_summary_links_every_invalid_field_and_shows_non_field_errors(user_client):
    ProjectFactory(name="geany", homepage="https://www.geany.org/")

    required = user_client.post("/project/new", {"backend": "custom"})
    duplicate = user_client.post("/project/new", project_form())

    summary = error_summary(required)
    assert 'href="#id_name"' in summary and 'href="#id_homepage"' in summary
    assert "Project name: This field is required." in summary
    # A non-field error (a link to the existing project) is in the summary, link kept.
    assert "Unable to create project since it already exists." in error_summary(duplicate)
    assert 'href="/project/' in error_summary(duplicate)


def test_a_field_hidden_for_the_backend_is_shown_when_it_has_an_error(user_client):
    # GitHub reads no regex: the row is hidden, unless its value is wrong.
    hidden = user_client.get("/project/new", {"backend": "GitHub"})
    wrong = user_client.post(
        "/project/new", project_form(backend="GitHub", version_url="a/b", regex="(")
    )
    assert re.search(r'id="row-regex"[^>]*hidden', text(hidden))
    assert wrong.status_code == 400 and "regex" in wrong.context["form"].errors
    assert not re.search(r'id="row-regex"[^>]*hidden', text(wrong))
    assert 'href="#id_regex"' in error_summary(wrong)


def test_every_site_form_has_the_error_summary(user_client):
    project = ProjectFactory(name="geany")
    DistroFactory(name="Fedora")
    pages = {
        f"/project/{project.pk}/edit": project_form(homepage="nope"),
        f"/project/{project.pk}/map": {"distro": "", "package_name": ""},
        f"/project/{project.pk}/flag": {"reason": ""},
        "/distro/add": {"name": "fedora"},
    }
    for url, data in pages.items():
        response = user_client.post(url, data)
        assert response.status_code in {400, 409}, url
        summary = error_summary(response)
        assert "There is a problem" in summary, url
        assert '<a href="#id_' in summary, url
    # Without errors there is no summary.
    assert error_summary(user_client.get(f"/project/{project.pk}/flag")) == ""


def test_the_project_page_right_after_saving_shows_the_validating_check(user_client, fake_backend):
    fake_backend.script["geany"] = ["1.0", "2.0", "2.1rc1"]

    response = user_client.post("/project/new", project_form(pre_release_filter="rc"), follow=True)

    project = Project.objects.get(name="geany")
    page = text(response)
    assert "Project created" in page
    assert fake_backend.calls["geany"] == 1
    assert [row["version"].parsed for row in response.context["versions"]] == [
        "2.1rc1",
        "2.0",
        "1.0",
    ]
    assert project.latest_version == "2.1rc1"
    assert '<strong class="version">2.1rc1</strong>' in page
    assert '<span class="status ok">OK</span>' in page
    assert "Not checked yet" not in page and "none yet" not in page
    assert re.search(r'id="last-check">.*\(just now\)', page)
    assert re.search(r'id="next-check">.*\(in (59|60)\xa0minutes\)', page)
    assert project.next_check > timezone.now()


def test_the_new_project_form_has_no_check_release_box_the_edit_form_does(user_client):
    project = ProjectFactory(name="geany")
    assert 'name="check_release"' not in text(user_client.get("/project/new"))
    assert 'name="check_release"' in text(user_client.get(f"/project/{project.pk}/edit"))


def test_admins_see_the_open_flags_on_the_project_page(client, user_client, admin_client):
    from tests.factories import FlagFactory

    project = ProjectFactory(name="geany")
    flag = FlagFactory(project=project, reason="The homepage moved.\nSee the new one.")
    FlagFactory(project=project, reason="Closed already", state=Flag.State.CLOSED)
    FlagFactory(reason="Another project's flag")
    url = f"/project/{project.pk}/"

    admin_page = text(admin_client.get(url))
    assert 'id="open-flags"' in admin_page
    assert "Open flag (1)" in admin_page
    assert "The homepage moved.<br>See the new one." in admin_page
    assert f"Flag #{flag.pk} by {flag.author.username}," in admin_page
    assert reverse("admin:projects_flag_change", args=[flag.pk]) in admin_page
    assert f'action="/flags/{flag.pk}/set/closed"' in admin_page
    assert "Closed already" not in admin_page and "Another project" not in admin_page
    for visitor in (client, user_client):
        page = text(visitor.get(url))
        assert 'id="open-flags"' not in page and "The homepage moved." not in page


def test_an_admin_closes_a_flag_from_the_project_page(user_client, admin_client):
    from tests.factories import FlagFactory

    flag = FlagFactory(project=ProjectFactory(name="geany"))
    url = f"/flags/{flag.pk}/set/closed"

    assert user_client.post(url).status_code == 401
    assert admin_client.get(url).status_code == 405
    assert admin_client.post(f"/flags/{flag.pk}/set/maybe").status_code == 422
    response = admin_client.post(url, follow=True)

    flag.refresh_from_db()
    assert flag.state == Flag.State.CLOSED
    assert response.redirect_chain[-1][0] == f"/project/{flag.project_id}/"
    assert f"Flag #{flag.pk} closed" in text(response)
    assert 'id="open-flags"' not in text(response)
    assert topics() == ["project.flag.set"]
