"""The admin works for administrators, refuses everyone else, and stays cheap on big tables."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import Project
from tests.factories import (
    AdminFactory,
    FlagFactory,
    PackageFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "projects_project",
    "projects_projectversion",
    "projects_distro",
    "projects_package",
    "projects_flag",
    "projects_checkrun",
    "accounts_user",
    "accounts_apitoken",
]


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


@pytest.fixture
def some_data():
    project = ProjectFactory(name="geany")
    ProjectVersionFactory(project=project, version="1.0")
    PackageFactory(project=project)
    FlagFactory(project=project)
    return project


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_opens_for_an_administrator(admin_client, some_data, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_project_pages_open_and_search_finds_by_package_name(admin_client, some_data):
    assert admin_client.get(reverse("admin:projects_project_add")).status_code == 200
    change = admin_client.get(reverse("admin:projects_project_change", args=[some_data.pk]))
    assert change.status_code == 200
    assert b"1.0" in change.content
    package_name = some_data.packages.get().package_name
    found = admin_client.get(reverse("admin:projects_project_changelist"), {"q": package_name})
    assert b"geany" in found.content


def test_non_administrators_are_sent_to_the_login_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:projects_project_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_banned_administrator_loses_the_admin(client):
    client.force_login(AdminFactory(is_active=False))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def _changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "model", ["projects_project", "projects_package", "projects_flag", "accounts_user"]
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = reverse(f"admin:{model}_changelist")
    FlagFactory.create_batch(3)
    PackageFactory.create_batch(3)
    few = _changelist_queries(admin_client, url)
    FlagFactory.create_batch(30)
    PackageFactory.create_batch(30)
    many = _changelist_queries(admin_client, url)
    assert many == few


def test_project_page_shows_only_the_newest_versions(admin_client):
    project = ProjectFactory()
    for number in range(60):
        ProjectVersionFactory(project=project, version=f"0.{number}")
    page = admin_client.get(reverse("admin:projects_project_change", args=[project.pk]))
    assert page.status_code == 200
    assert b'value="0.59"' in page.content
    assert b'value="0.5"' not in page.content


def _project_form(**fields):
    data = {
        "name": "demo",
        "homepage": "https://example.org/demo",
        "backend": "custom",
        "version_url": "https://example.org/demo/releases/",
        "next_check_0": "2026-01-01",
        "next_check_1": "00:00:00",
        "packages-TOTAL_FORMS": "0",
        "packages-INITIAL_FORMS": "0",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def test_a_broken_regex_is_refused_where_it_is_entered(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        _project_form(regex="demo-(\\d+"),
    )
    assert response.status_code == 200
    assert "regex" in response.context["adminform"].form.errors
    assert not Project.objects.exists()


def test_an_unusable_calendar_pattern_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        _project_form(version_scheme="Calendar", version_pattern="MODIFIER.YYYY"),
    )
    assert "version_pattern" in response.context["adminform"].form.errors


def test_a_valid_project_is_saved_with_its_regex(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        _project_form(regex="demo-([0-9.]+)\\.tar", version_scheme="Semantic"),
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.regex == "demo-([0-9.]+)\\.tar"
    assert project.version_scheme == "Semantic"


def test_the_admin_index_footer_and_run_list_show_the_last_check_run(admin_client, client):
    from projects.models import CheckRun

    assert "No check has run yet." in admin_client.get("/admin/").content.decode()
    CheckRun.objects.create(
        total_count=7,
        success_count=5,
        error_count=1,
        ratelimit_count=1,
        new_version_count=3,
        ended_at=timezone.now(),
    )
    index = admin_client.get("/admin/").content.decode()
    assert 'id="last-check-run"' in index
    assert "7 checked, 5 ok," in index and "3 new version(s)." in index
    footer = " ".join(client.get("/").content.decode().split())
    assert "7 checked, 5 ok, 1 failed, 1 rate-limited, 3 new version(s)" in footer
    runs = admin_client.get("/admin/projects/checkrun/").content.decode()
    assert "column-new_version_count" in runs
