"""API v2 /api/v2/versions/: a project's versions, and "check now" with its dry runs and
temporary projects (contract §3.3 steps 1-6, with design.md §4's fixes)."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

import pytest

from messaging.models import OutboxMessage
from projects.models import Project
from tests.factories import ProjectFactory, ProjectVersionFactory, watched

pytestmark = pytest.mark.django_db

URL = "/api/v2/versions/"


def stored(project: Project) -> list[str]:
    return sorted(project.versions.values_list("version", flat=True))


def topics() -> list[str]:
    return list(OutboxMessage.objects.values_list("topic", flat=True))


# -- GET --------------------------------------------------------------------------------------


def test_versions_of_a_project(api):
    project = ProjectFactory(latest_version="1.1", version_prefix="release-")
    found = dt.datetime(2026, 3, 31, 14, 30, tzinfo=dt.UTC)
    ProjectVersionFactory(project=project, version="release-1.0", created_on=found)
    ProjectVersionFactory(project=project, version="release-1.1-rc1", created_on=found)
    ProjectVersionFactory(project=project, version="release-1.1", created_on=found)

    response = api.get(URL, {"project_id": project.pk})

    assert response.status_code == 200
    assert response.json() == {
        "latest_version": "1.1",
        "latest_version_created_on": "2026-03-31T14:30:00",
        "stable_versions": ["1.1", "1.0"],
        "versions": ["1.1", "1.1-rc1", "1.0"],
    }
    last_modified = parsedate_to_datetime(response["Last-Modified"])
    assert last_modified == project.updated_on.replace(microsecond=0)


def test_publication_time_is_added_when_the_upstream_gives_it(api):
    project = ProjectFactory()
    ProjectVersionFactory(
        project=project, version="1.0", published_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    )
    body = api.get(URL, {"project_id": project.pk}).json()
    assert body["latest_version_published_on"] == "2026-01-02T00:00:00"


def test_a_project_without_versions_has_no_time_keys(api):
    project = ProjectFactory()
    assert api.get(f"{URL[:-1]}", {"project_id": project.pk}).json() == {
        "latest_version": None,
        "stable_versions": [],
        "versions": [],
    }


@pytest.mark.parametrize("query", [{}, {"project_id": 4242}, {"project_id": "9" * 30}])
def test_no_such_project(api, query):
    response = api.get(URL, query)
    assert response.status_code == 404
    assert response.json() == {"output": "notok", "error": "No such project"}


def test_project_id_must_be_an_integer(api):
    response = api.get(URL, {"project_id": "one"})
    assert response.status_code == 400
    assert response.json() == {"message": {"project_id": "Not a valid integer."}}


# -- POST: authentication ---------------------------------------------------------------------


def test_checking_needs_credentials(api):
    project = ProjectFactory()
    response = api.post(URL, {"id": project.pk}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["error"] == "authentication_required"


# -- POST: existing projects ------------------------------------------------------------------


def test_dry_run_is_the_default_and_stores_nothing(alice, upstream):
    project = watched(upstream, "tool", "1.0", "1.1", "1.2-rc1", latest_version="1.0")
    ProjectVersionFactory(project=project, version="1.0")

    response = alice.client.post(URL, {"id": project.pk}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "found_versions": ["1.2-rc1", "1.1"],
        "latest_version": "1.2-rc1",
        "stable_versions": ["1.1", "1.0"],
        "versions": ["1.2-rc1", "1.1", "1.0"],
    }
    assert stored(project) == ["1.0"]
    project.refresh_from_db()
    assert project.latest_version == "1.0"
    assert project.last_check is None
    assert topics() == []


def test_dry_run_applies_the_fields_given_in_memory_only(alice, upstream):
    project = watched(upstream, "tool", "1.0", "1.1", version_filter="1.1")
    response = alice.client.post(
        URL, {"id": project.pk, "version_filter": "1.0", "regex": None}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["versions"] == ["1.1"]
    project.refresh_from_db()
    assert project.version_filter == "1.1"
    assert topics() == []


def test_real_run_stores_announces_and_returns_no_found_versions(alice, upstream):
    project = watched(upstream, "tool", "1.0", "1.1")

    response = alice.client.post(URL, {"id": project.pk, "dry_run": False}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "found_versions": None,
        "latest_version": "1.1",
        "stable_versions": ["1.1", "1.0"],
        "versions": ["1.1", "1.0"],
    }
    assert stored(project) == ["1.0", "1.1"]
    assert topics() == ["project.version.update", "project.version.update.v2"]


def test_real_run_edits_first_announcing_the_user(alice, upstream):
    project = watched(upstream, "tool", "v1.0", "v1.1")

    response = alice.client.post(URL, {"id": project.pk, "version_prefix": "v", "dry_run": "false"})

    assert response.status_code == 200
    assert response.json()["versions"] == ["1.1", "1.0"]
    project.refresh_from_db()
    assert project.version_prefix == "v"
    edit = OutboxMessage.objects.get(topic="project.edit")
    assert edit.body["message"]["agent"] == "alice@example.org"
    assert edit.body["message"]["fields"] == ["version_prefix"]


def test_fields_given_are_applied_even_to_clear_or_switch_off(alice, upstream):
    project = watched(upstream, "tool", "1.0", insecure=True, regex=r"tool-([\d.]+)\.tar")
    response = alice.client.post(
        URL,
        {"id": project.pk, "insecure": False, "regex": "", "dry_run": False},
        format="json",
    )
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.insecure is False
    assert project.regex is None


def test_fields_not_given_keep_their_value(alice, upstream):
    project = watched(upstream, "tool", "1.0", insecure=True, version_prefix="tool-")
    response = alice.client.post(URL, {"id": project.pk, "dry_run": False}, format="json")
    assert response.status_code == 200
    project.refresh_from_db()
    assert project.insecure is True
    assert project.version_prefix == "tool-"
    assert "project.edit" not in topics()


def test_the_project_can_be_found_by_name_and_homepage_ignoring_case(alice, upstream):
    project = watched(upstream, "Tool", "1.0")
    response = alice.client.post(
        URL, {"name": "TOOL", "homepage": project.homepage.upper()}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["found_versions"] == ["1.0"]


def test_more_than_one_project_found(alice):
    ProjectFactory(name="tool", homepage="https://a.example")
    ProjectFactory(name="Tool", homepage="https://b.example")
    response = alice.client.post(URL, {"name": "tool"}, format="json")
    assert response.status_code == 400
    assert response.json() == "More than one project found"


def test_no_such_project_id(alice):
    response = alice.client.post(URL, {"id": 4242}, format="json")
    assert response.status_code == 404
    assert response.json() == "No such project"


def test_archived_projects_are_not_checked(alice):
    project = ProjectFactory(archived=True)
    response = alice.client.post(URL, {"id": project.pk, "dry_run": False}, format="json")
    assert response.status_code == 400
    assert response.json() == (
        "Error when checking for new version: Project is archived, can't check new versions"
    )


def test_a_failing_check_is_a_400_with_the_reason_and_is_recorded(alice, upstream):
    project = ProjectFactory(name="gone", version_url=f"{upstream.base_url}/missing/")
    response = alice.client.post(URL, {"id": project.pk, "dry_run": False}, format="json")
    assert response.status_code == 400
    assert response.json().startswith("Error when checking for new version: ")
    assert "404" in response.json()
    project.refresh_from_db()
    assert project.check_successful is False
    assert "404" in project.logs
    assert project.error_counter == 0  # checks people ask for never count (issue #13)


def test_an_upstream_rate_limit_is_a_429_with_retry_after(alice, upstream):
    project = watched(upstream, "tool", "1.0")
    upstream.rate_limit(120)
    for dry_run in (True, False):
        response = alice.client.post(URL, {"id": project.pk, "dry_run": dry_run}, format="json")
        assert response.status_code == 429
        assert 100 <= int(response["Retry-After"]) <= 120
        assert response.json().startswith("Error when checking for new version: ")


def test_invalid_changes_are_a_400_naming_the_field(alice):
    project = ProjectFactory()
    response = alice.client.post(URL, {"id": project.pk, "backend": "Nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"message": {"backend": 'No backend was found for "Nope"'}}
    response = alice.client.post(URL, {"id": project.pk, "version_url": None}, format="json")
    assert response.status_code == 400
    assert response.json() == "Chosen backend requires version_url"


def test_a_rename_onto_another_project_is_a_409(alice, upstream):
    ProjectFactory(name="taken", homepage="https://same.example")
    project = ProjectFactory(name="mine", homepage="https://same.example")
    response = alice.client.post(
        URL, {"id": project.pk, "name": "taken", "dry_run": False}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == "Unable to create project since it already exists."


# -- POST: temporary projects -----------------------------------------------------------------


def test_temporary_project_is_previewed_and_never_stored(alice, upstream):
    url = upstream.publish("newtool", "0.9", "1.0")
    response = alice.client.post(
        URL,
        {
            "name": "newtool",
            "homepage": url,
            "backend": "custom",
            "dry_run": False,  # forced to a dry run
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "found_versions": ["1.0", "0.9"],
        "latest_version": "1.0",
        "stable_versions": ["1.0", "0.9"],
        "versions": ["1.0", "0.9"],
    }
    assert not Project.objects.exists()
    assert topics() == []


def test_temporary_project_clashing_with_a_stored_one_is_still_previewed(alice, upstream):
    url = upstream.publish("tool", "1.0")
    ProjectFactory(name="tool", homepage="https://elsewhere.example", backend="custom")
    response = alice.client.post(
        URL, {"name": "tool", "homepage": url, "backend": "custom"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["found_versions"] == ["1.0"]


def test_temporary_project_honours_releases_only(alice, fake_backend):
    seen = []
    fake_backend.script["tool"] = lambda spec: seen.append(spec.releases_only) or ["1.0"]
    response = alice.client.post(
        URL,
        {
            "name": "tool",
            "homepage": "https://github.com/o/tool",
            "backend": "GitHub",
            "version_url": "o/tool",
            "releases_only": True,
        },
        format="json",
    )
    assert response.status_code == 200
    assert seen == [True]


def test_temporary_project_needs_name_homepage_and_backend(alice):
    response = alice.client.post(URL, {"name": "tool"}, format="json")
    assert response.status_code == 400
    assert response.json() == (
        "Can't create temporary project. Missing arguments: ['homepage', 'backend']"
    )


def test_nothing_given_does_not_pick_the_only_project(alice):
    ProjectFactory()
    response = alice.client.post(URL, {"dry_run": True}, format="json")
    assert response.status_code == 400
    assert response.json() == (
        "Can't create temporary project. Missing arguments: ['name', 'homepage', 'backend']"
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"backend": "Nope"}, {"backend": 'No backend was found for "Nope"'}),
        (
            {"version_scheme": "Roman"},
            {"version_scheme": 'No version scheme was found for "Roman"'},
        ),
        ({"homepage": "ftp://x.example/"}, {"homepage": "Enter a valid http or https URL."}),
    ],
)
def test_temporary_project_with_a_bad_configuration(alice, fields, errors):
    body = {"name": "tool", "homepage": "https://x.example/", "backend": "custom", **fields}
    response = alice.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"message": errors}


def test_temporary_project_with_a_bad_regex(alice):
    body = {"name": "tool", "homepage": "https://x.example/", "backend": "custom", "regex": "(("}
    response = alice.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["message"]) == ["regex"]


def test_a_refused_address_is_a_400_with_the_reason(alice, settings):
    settings.FETCH_ALLOWED_NETWORKS = []
    body = {"name": "tool", "homepage": "http://127.0.0.1:9/", "backend": "custom"}
    response = alice.client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json().startswith("Error when checking for new version: ")
    assert "refusing to connect to 127.0.0.1" in response.json()


def test_invalid_body(alice):
    response = alice.client.post(URL, {"id": "x", "dry_run": "perhaps", "x": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "message": {
            "dry_run": "Not a valid boolean.",
            "id": "Not a valid integer.",
            "x": "Unknown field.",
        }
    }


@pytest.mark.parametrize(
    "bomb", ["((a{1000}){1000}){1000}", "(?:a{65535}){65535}", "(a{1000}){1000}"]
)
def test_a_regex_bomb_is_a_400_in_bounded_memory(alice, bomb):
    """The issue's regex bombs, sent to the dry run: refused before anything compiles them."""
    import resource
    import time

    body = {"name": "tool", "homepage": "https://x.example/", "backend": "custom", "regex": bomb}
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()

    response = alice.client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "too large to run" in response.json()["message"]["regex"]
    assert time.monotonic() - started < 2
    # ru_maxrss is in KiB: the peak of the whole test process grew by less than 50 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 50 * 1024
