"""Secrets stay secret (issue #13): credentials typed into a project URL are split off when the
project is saved, whatever saved it (the site, API v2, the admin), are never shown anywhere
(APIs, pages, feeds, messages, the admin, logs and check errors), are still sent to their own
host when it is checked, and are never sent to a host it redirects to. Existing rows are
split by migration 0006."""

from __future__ import annotations

import base64
import importlib
import json
import logging
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiToken
from messaging.models import OutboxMessage
from projects import check, services
from projects.models import Project
from tests.factories import AdminFactory, PackageFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret"
BASIC = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
HOMEPAGE = f"https://alice:{SECRET}@tool.example.org/"


@pytest.fixture(autouse=True)
def _fresh(settings, fresh_caches):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def private(upstream):
    """The local upstream as a private index: it answers only with alice's credentials."""
    upstream.publish("tool", "1.0", "1.1")
    upstream.authorization = BASIC
    return upstream


def private_url(upstream, name: str = "tool") -> str:
    return upstream.page_url(name).replace("http://", f"http://alice:{SECRET}@")


def assert_clean(text: str, where: str) -> None:
    assert SECRET not in text, f"the password is shown in {where}"
    assert BASIC.split()[1] not in text, f"the encoded credentials are shown in {where}"


def assert_split(project: Project, upstream) -> None:
    project.refresh_from_db()
    assert project.homepage == "https://tool.example.org/"
    assert project.version_url == upstream.page_url("tool")
    assert project.ecosystem_name == "https://tool.example.org/"
    assert project.url_credentials == {
        "https://tool.example.org": {"username": "alice", "password": SECRET},
        upstream.base_url: {"username": "alice", "password": SECRET},
    }


# -- created through each door --------------------------------------------------------------


def create_on_the_site(upstream) -> Project:
    client = Client()
    client.force_login(UserFactory(username="ada"))
    response = client.post(
        "/project/new",
        {
            "name": "tool",
            "homepage": HOMEPAGE,
            "backend": "custom",
            "version_url": private_url(upstream),
            "check_release": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Project.objects.get(name="tool")


def create_with_api_v2(upstream) -> Project:
    user = UserFactory(email="alice@example.org", username="alice")
    _token, secret = ApiToken.issue(user, "scripts")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = client.post(
        "/api/v2/projects/",
        {
            "name": "tool",
            "homepage": HOMEPAGE,
            "backend": "custom",
            "version_url": private_url(upstream),
            "check_release": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content.decode()
    assert_clean(response.content.decode(), "the API v2 answer")
    return Project.objects.get(name="tool")


def create_in_the_admin(upstream) -> Project:
    client = Client()
    client.force_login(AdminFactory(username="moderator"))
    response = client.post(
        "/admin/projects/project/add/",
        {
            "name": "tool",
            "homepage": HOMEPAGE,
            "backend": "custom",
            "version_url": private_url(upstream),
            "packages-TOTAL_FORMS": "0",
            "packages-INITIAL_FORMS": "0",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(name="tool")
    check.check_project(project)  # the admin adds without a check
    return project


@pytest.mark.parametrize("create", [create_on_the_site, create_with_api_v2, create_in_the_admin])
def test_credentials_are_used_and_never_shown(create, private, caplog):
    caplog.set_level(logging.DEBUG)
    project = create(private)

    assert_split(project, private)
    # The check (validation, then a full check) reached the private index with them.
    assert sorted(project.versions.values_list("version", flat=True)) == ["1.0", "1.1"]
    assert {request.headers.get("Authorization") for request in private.hits()} == {BASIC}
    PackageFactory(project=project, distro__name="Fedora", package_name="tool")

    anonymous, admin = Client(), Client()
    admin.force_login(AdminFactory(username="boss"))
    pages = {
        "API v1 search": anonymous.get("/api/projects/?pattern=tool"),
        "API v1 project": anonymous.get(f"/api/project/{project.pk}"),
        "API v1 by package": anonymous.get("/api/project/Fedora/tool"),
        "API v2 projects": anonymous.get("/api/v2/projects/?name=tool"),
        "API v2 versions": anonymous.get(f"/api/v2/versions/?project_id={project.pk}"),
        "browsable API": anonymous.get("/api/v2/projects/", HTTP_ACCEPT="text/html"),
        "OpenAPI schema": anonymous.get("/api/v2/schema/?format=json"),
        "project page": anonymous.get(f"/project/{project.pk}/"),
        "project list": anonymous.get("/projects/?pattern=tool"),
        "edit form": admin.get(f"/project/{project.pk}/edit"),
        "feed": anonymous.get("/feed/"),
        "project feed": anonymous.get(f"/project/{project.pk}/feed/"),
        "distro feed": anonymous.get("/distro/Fedora/feed/"),
        "admin changelist": admin.get("/admin/projects/project/?q=tool"),
        "admin search by homepage": admin.get("/admin/projects/project/?q=tool.example.org"),
        "admin change form": admin.get(f"/admin/projects/project/{project.pk}/change/"),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_clean(response.content.decode(), where)
    change_link = f"/admin/projects/project/{project.pk}/change/"
    assert change_link in pages["admin search by homepage"].content.decode()  # found by it
    # The forms say where credentials are stored, never what they are.
    for where in ("edit form", "admin change form"):
        assert private.base_url in pages[where].content.decode(), where
        assert "Forget the stored credentials" in pages[where].content.decode(), where

    messages = list(OutboxMessage.objects.order_by("id"))
    assert messages  # project.add and the versions
    for message in messages:
        assert_clean(json.dumps(message.body), f"the {message.topic} message")
        assert_clean(json.dumps(message.headers), f"the {message.topic} headers")
    assert_clean(caplog.text, "the logs")

    # A failing check names the URL, the clean one.
    private.fail("/tool/")
    result = check.check_project(project)
    project.refresh_from_db()
    assert result.error and private.page_url("tool") in result.error
    assert_clean(result.error, "the check error")
    assert_clean(project.logs, "the project's logs")
    assert_clean(anonymous.get(f"/project/{project.pk}/").content.decode(), "the failed page")
    assert_clean(admin.get("/logs").content.decode(), "the logs page")
    assert_clean(caplog.text, "the logs")


def test_without_the_credentials_the_private_index_refuses(private):
    project = services.project_create(
        agent="ada",
        validate=False,
        name="tool",
        homepage="https://tool.example.org/",
        backend="custom",
        version_url=private.page_url("tool"),
    )
    result = check.check_project(project)
    assert "401" in (result.error or "")


# -- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("elsewhere", ["127.0.0.2", "127.0.0.1"])
def test_credentials_are_not_sent_to_where_the_index_redirects(upstreams, elsewhere):
    index, mirror = upstreams("127.0.0.1"), upstreams(elsewhere)  # another host, or port
    mirror.publish("tool", "2.0")
    index.redirects["/tool/"] = mirror.page_url("tool")
    project = services.project_create(
        agent="ada",
        validate=False,
        name="tool",
        homepage="https://tool.example.org/",
        backend="custom",
        version_url=private_url(index),
    )

    result = check.check_project(project)

    assert result.outcome is check.Outcome.SUCCESS, result.error
    assert [r.headers.get("Authorization") for r in index.hits()] == [BASIC]
    assert [r.headers.get("Authorization") for r in mirror.hits()] == [None]


# -- editing --------------------------------------------------------------------------------


def stored(project: Project) -> dict:
    project.refresh_from_db()
    return project.url_credentials or {}


def make_private(**fields) -> Project:
    return services.project_create(
        agent="ada",
        validate=False,
        name="tool",
        homepage="https://tool.example.org/",
        backend="PyPI simple",
        version_url=f"https://alice:{SECRET}@index.example.org/simple/",
        **fields,
    )


def test_a_url_typed_again_without_credentials_keeps_them():
    project = make_private()
    OutboxMessage.objects.all().delete()
    changes = services.project_edit(
        project, agent="ada", version_url="https://index.example.org/simple/", regex="x"
    )
    assert set(changes) == {"regex"}
    assert stored(project) == {
        "https://index.example.org": {"username": "alice", "password": SECRET}
    }
    (message,) = OutboxMessage.objects.all()
    assert message.body["message"]["fields"] == ["regex"]


def test_new_credentials_alone_are_saved_but_not_announced():
    project = make_private()
    project.etag = '"old"'
    project.save()
    OutboxMessage.objects.all().delete()
    changes = services.project_edit(
        project, agent="ada", version_url="https://alice:n3w@index.example.org/simple/"
    )
    assert changes == {
        "url_credentials": (["https://index.example.org"], ["https://index.example.org"])
    }
    assert stored(project)["https://index.example.org"]["password"] == "n3w"
    assert project.etag == ""  # asked differently now: the old answer's validators are moot
    assert not OutboxMessage.objects.exists()


def test_forgetting_the_credentials():
    project = make_private()
    OutboxMessage.objects.all().delete()
    changes = services.project_edit(project, agent="ada", forget_credentials=True)
    assert changes == {"url_credentials": (["https://index.example.org"], [])}
    assert project.url_credentials is None
    assert stored(project) == {}
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    "moved",
    [
        "https://mirror.example.org/simple/",  # another host
        "http://index.example.org/simple/",  # another scheme
        "https://index.example.org:8443/simple/",  # another port
    ],
)
def test_a_url_moved_elsewhere_drops_the_credentials(moved):
    project = make_private()
    changes = services.project_edit(project, agent="ada", version_url=moved)
    assert set(changes) == {"version_url", "url_credentials"}
    assert stored(project) == {}
    message = OutboxMessage.objects.filter(topic="project.edit").get()
    assert message.body["message"]["fields"] == ["version_url"]


def test_an_archived_project_keeps_its_credentials():
    project = make_private()
    services.project_set_archived(project, True, agent="ada")
    with pytest.raises(services.ProjectArchived):
        services.project_edit(project, agent="ada", forget_credentials=True)
    assert stored(project)


def test_a_temporary_project_and_a_dry_run_use_typed_credentials(private):
    built = services.build_project(
        name="tool", homepage=HOMEPAGE, backend="custom", version_url=private_url(private)
    )
    assert SECRET not in built.version_url
    assert services.preview_project(built).found_versions == ["1.1", "1.0"]
    assert {request.headers.get("Authorization") for request in private.hits()} == {BASIC}


def test_too_long_credentials_are_refused():
    with pytest.raises(services.InvalidInput) as raised:
        services.build_project(
            name="tool",
            homepage=f"https://alice:{'x' * 2000}@tool.example.org/",
            backend="custom",
            version_url="https://tool.example.org/",
        )
    assert set(raised.value.errors) == {"homepage"}
    assert "x" * 50 not in str(raised.value)


def test_the_site_form_shows_and_forgets_them():
    project = make_private()
    client = Client()
    client.force_login(UserFactory(username="ada"))
    page = client.get(f"/project/{project.pk}/edit").content.decode()
    assert "Credentials are stored for <code>https://index.example.org</code>" in page
    assert_clean(page, "the edit form")

    form = {
        "name": "tool",
        "homepage": project.homepage,
        "backend": project.backend,
        "version_url": project.version_url,
    }
    kept = client.post(f"/project/{project.pk}/edit", form, follow=True)
    assert "No changes were made" in kept.content.decode()
    assert stored(project)
    forgotten = client.post(
        f"/project/{project.pk}/edit", {**form, "forget_credentials": "on"}, follow=True
    )
    assert "Project edited" in forgotten.content.decode()
    assert stored(project) == {}
    page = client.get(f"/project/{project.pk}/edit").content.decode()
    assert "forget_credentials" not in page


def test_the_admin_shows_and_forgets_them():
    project = make_private()
    client = Client()
    client.force_login(AdminFactory(username="moderator"))
    url = f"/admin/projects/project/{project.pk}/change/"
    page = client.get(url).content.decode()
    assert "https://index.example.org" in page
    assert_clean(page, "the admin change form")
    form = {
        "name": "tool",
        "homepage": project.homepage,
        "backend": project.backend,
        "version_url": project.version_url,
        "packages-TOTAL_FORMS": "0",
        "packages-INITIAL_FORMS": "0",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    assert client.post(url, form).status_code == 302
    assert stored(project)
    assert client.post(url, {**form, "forget_credentials": "on"}).status_code == 302
    assert stored(project) == {}


def test_similar_projects_match_the_clean_homepage():
    make_private()
    client = Client()
    answer = client.get("/projects/similar", {"homepage": HOMEPAGE}).json()
    assert [project["name"] for project in answer["projects"]] == ["tool"]
    assert_clean(json.dumps(answer), "the similar projects")


# -- migration 0006 -------------------------------------------------------------------------

migration = importlib.import_module("projects.migrations.0006_url_credentials")
EDITOR = SimpleNamespace(connection=connection)


def test_the_migration_splits_existing_urls_and_reverses():
    project = ProjectFactory(name="tool", backend="custom")
    plain = ProjectFactory(name="plain", backend="custom")
    Project.objects.filter(pk=project.pk).update(
        homepage=HOMEPAGE,
        ecosystem_name=HOMEPAGE,
        version_url="ftp://bob:p%40w@ftp.example.org/pub/tool/",
    )
    untouched = Project.objects.filter(pk=plain.pk).values().get()

    migration.split_credentials(django_apps, EDITOR)

    project.refresh_from_db()
    assert (project.homepage, project.ecosystem_name) == (
        "https://tool.example.org/",
        "https://tool.example.org/",
    )
    assert project.version_url == "ftp://ftp.example.org/pub/tool/"
    assert project.url_credentials == {
        "https://tool.example.org": {"username": "alice", "password": SECRET},
        "ftp://ftp.example.org": {"username": "bob", "password": "p@w"},
    }
    assert project.spec_credentials == {
        "https://tool.example.org": ("alice", SECRET),
        "ftp://ftp.example.org": ("bob", "p@w"),
    }
    assert Project.objects.filter(pk=plain.pk).values().get() == untouched

    migration.join_credentials(django_apps, EDITOR)

    project.refresh_from_db()
    assert project.homepage == HOMEPAGE
    assert project.ecosystem_name == HOMEPAGE
    assert project.version_url == "ftp://bob:p%40w@ftp.example.org/pub/tool/"


def test_the_migration_keeps_a_duplicate_apart_with_a_fragment():
    ProjectFactory(name="tool", backend="custom", homepage="https://tool.example.org/")
    twin = ProjectFactory(name="tool-twin", backend="custom")
    Project.objects.filter(pk=twin.pk).update(
        name="tool", homepage=HOMEPAGE, ecosystem_name=HOMEPAGE
    )

    migration.split_credentials(django_apps, EDITOR)

    twin.refresh_from_db()
    assert twin.homepage == f"https://tool.example.org/#project-{twin.pk}"
    assert twin.ecosystem_name == twin.homepage
    assert twin.url_credentials == {
        "https://tool.example.org": {"username": "alice", "password": SECRET}
    }


def test_api_v2_refusals_do_not_echo_the_credentials(upstream):
    upstream.publish("tool", "1.0")
    upstream.authorization = "Basic something-else"
    user = UserFactory(email="alice@example.org", username="alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user, 'scripts')[1]}")
    body = {"name": "tool", "homepage": HOMEPAGE, "backend": "custom"}

    refused = client.post(
        "/api/v2/projects/", {**body, "version_url": private_url(upstream)}, format="json"
    )
    assert refused.status_code == 400 and "401" in refused.content.decode()
    assert_clean(refused.content.decode(), "the refused validation")

    ProjectFactory(name="tool", homepage="https://tool.example.org/", backend="custom")
    duplicate = client.post(
        "/api/v2/projects/",
        {**body, "version_url": f"https://bob:{SECRET}@tool.example.org/releases/"},
        format="json",
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["requested_project"]["homepage"] == "https://tool.example.org/"
    assert_clean(duplicate.content.decode(), "the 409 answer")


def test_api_v2_versions_finds_a_project_by_its_homepage_typed_with_credentials(private):
    project = services.project_create(
        agent="ada",
        validate=False,
        name="tool",
        homepage="https://tool.example.org/",
        backend="custom",
        version_url=private_url(private),
    )
    user = UserFactory(email="alice@example.org", username="alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user, 'scripts')[1]}")

    answer = client.post("/api/v2/versions/", {"homepage": HOMEPAGE}, format="json")

    assert answer.status_code == 200, answer.content.decode()
    assert answer.json()["found_versions"] == ["1.1", "1.0"]
    assert_clean(answer.content.decode(), "the dry run")
    assert stored(project) == {
        private.base_url: {"username": "alice", "password": SECRET},
    }  # a dry run stores nothing, the typed homepage credentials included
