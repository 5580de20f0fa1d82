"""A project of each new kind (issue #19) added on the site, test-checked, saved and checked,
end to end against a local registry replaying the backend's recorded answers.

Nothing is stubbed between the site and the socket: the packager's browser is Django's test
client, the registry is tests/replay_upstream.py on 127.0.0.1 (the address guard lets checks
reach it for these tests only), and the check after saving is the one each of the scheduler's
pool threads runs (``scheduler.check_one``).

Saving a project stores its validating check as its first check (Anitya's "check latest
release on submit"): the versions are announced then, and the scheduler's checks after it find
nothing new, asking with the validators of the last answer where the backend asks
conditionally.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from backends.registry import get_backend
from messaging.models import OutboxMessage
from projects import scheduler
from projects.check import LOG_NOTHING_NEW, Outcome
from projects.models import Project
from projects.site.forms.project import backend_help
from projects.site.project import VERSIONS_PER_PAGE
from tests.factories import UserFactory
from tests.projects.new_backend_scenarios import SCENARIOS, Scenario
from tests.replay_upstream import TOKEN_PATH, ReplayUpstream
from tests.tls import self_signed, trusted

pytestmark = pytest.mark.django_db

UPDATE_TOPICS = ["project.version.update", "project.version.update.v2"]


@pytest.fixture
def registry(settings, request, tmp_path):
    """The scenario's registry on 127.0.0.1; over https, with a certificate the checks trust
    as an operator's CA bundle, where the scenario's registry speaks TLS."""
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    callspec = getattr(request.node, "callspec", None)
    scenario = callspec.params.get("scenario") if callspec is not None else None
    if scenario is not None and scenario.tls:
        certificate = self_signed(tmp_path)
        upstream = ReplayUpstream(tls=certificate.server_context())
        with trusted(certificate):
            yield upstream
    else:
        upstream = ReplayUpstream()
        yield upstream
    upstream.close()


@pytest.fixture
def packager() -> Client:
    client = Client()
    client.force_login(UserFactory(username="packager"))
    return client


def announcements(project: Project) -> list[OutboxMessage]:
    return [
        message
        for message in OutboxMessage.objects.order_by("id")
        if message.topic.startswith("project.version.update")
        and message.body["message"]["project"]["name"] == project.name
    ]


def page_versions(response) -> list[str]:
    return [row["version"].parsed for row in response.context["versions"]]


def assert_lists_the_versions(scenario: Scenario, listed: list[str]) -> None:
    assert set(listed) == scenario.every_version
    assert len(listed) == len(scenario.every_version)
    assert tuple(listed[: len(scenario.newest)]) == scenario.newest


def assert_bearer_handshake(scenario: Scenario, registry: ReplayUpstream) -> None:
    """Behind a token realm, each check asked anonymously, was challenged, fetched the token
    and read every page with it."""
    assert (registry.bearer is not None) == scenario.behind_token
    if registry.bearer is None:
        return
    seen = registry.requests()
    assert seen[0].status == 401 and "Authorization" not in seen[0].headers
    assert seen[1].path == TOKEN_PATH and seen[1].status == 200
    assert "Authorization" not in seen[1].headers
    pages = seen[2:]
    assert pages and all(page.status == 200 for page in pages)
    assert {page.headers.get("Authorization") for page in pages} == {
        f"Bearer {registry.bearer.token}"
    }


@pytest.mark.parametrize("scenario", [pytest.param(s, id=s.id) for s in SCENARIOS])
def test_a_project_is_test_checked_saved_and_checked_against_its_registry(
    scenario, registry, packager
):
    scenario.serve(registry)
    form = scenario.filled_form(registry)

    # The empty form, as a search without results links to it, with the backend chosen.
    blank = packager.get("/project/new", {"backend": scenario.backend})
    assert blank.status_code == 200
    assert blank.context["form"]["backend"].value() == scenario.backend
    # The version URL field wears the backend's label (the registry's address, the image...).
    label = backend_help(get_backend(scenario.backend))["fields"]["version_url"]["label"]
    assert f'<label for="id_version_url">{label}' in blank.content.decode()

    # The form's Test check, as its script asks for it and as the button without the script
    # does: nothing is stored.
    tested = packager.post(
        "/project/new", {**form, "action": "test"}, HTTP_ACCEPT="application/json"
    )
    assert tested.status_code == 200, tested.content
    listed = tested.json()["versions"]
    assert_lists_the_versions(scenario, listed)
    assert tested.json()["latest_version"] == scenario.latest
    assert_bearer_handshake(scenario, registry)
    registry.forget()
    shown = packager.post("/project/new", {**form, "action": "test"})
    assert shown.status_code == 200 and "Test check result" in shown.content.decode()
    assert shown.context["test_result"]["versions"] == listed
    assert not Project.objects.exists()

    # Saving: the validating check asks the registry again and is stored as the first check.
    created = packager.post("/project/new", {**form, "action": "save"})
    assert created.status_code == 302, _form_errors(created)
    project = Project.objects.get()
    assert created["Location"] == f"/project/{project.pk}/"
    assert project.backend == scenario.backend
    assert "Project created" in packager.get(created["Location"]).content.decode()
    messages = announcements(project)
    assert [message.topic for message in messages] == UPDATE_TOPICS
    assert messages[0].body["message"]["upstream_version"] == scenario.latest
    assert set(messages[1].body["message"]["upstream_versions"]) == scenario.every_version

    # The scheduler's check of the saved project.
    check_finding_nothing_new(scenario, registry, project)
    assert project.check_successful and project.logs == LOG_NOTHING_NEW
    assert project.latest_version == scenario.latest

    page = packager.get(f"/project/{project.pk}/")
    assert page_versions(page) == listed[:VERSIONS_PER_PAGE]
    assert page.context["latest"]["version"].parsed == scenario.latest
    api = packager.get("/api/v2/versions/", {"project_id": project.pk}).json()
    assert api["versions"] == listed
    assert api["latest_version"] == scenario.latest
    assert_lists_the_versions(scenario, api["versions"])
    assert [message.topic for message in announcements(project)] == UPDATE_TOPICS

    # One more check against the same registry: nothing new, nothing announced.
    check_finding_nothing_new(scenario, registry, project)
    assert [message.topic for message in announcements(project)] == UPDATE_TOPICS


def check_finding_nothing_new(
    scenario: Scenario, registry: ReplayUpstream, project: Project
) -> None:
    """Check ``project`` as a pool thread of the scheduler does; it must find nothing new,
    and ask with the last answer's validators where the backend asks conditionally (the
    registry then answers 304), without them where it reads every page every time."""
    registry.forget()
    checked = scheduler.check_one(project.pk)
    project.refresh_from_db()
    assert checked.outcome is Outcome.SUCCESS, project.logs
    assert checked.new_versions == 0
    assert_bearer_handshake(scenario, registry)
    asked = [seen for seen in registry.requests() if seen.status != 401]
    assert asked, "the check did not reach the registry"
    if scenario.conditional:
        # The version list comes last (after a service index or a discovery document).
        last = asked[-1]
        assert last.conditional, last
        assert last.headers.get("If-None-Match") == project.etag
        assert last.status == 304
    else:
        assert not any(seen.conditional for seen in asked)


def _form_errors(response) -> str:
    found = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    return f"{response.status_code}: {found}"


def test_tags_to_keep_are_offered_validated_and_kept_on_the_site(registry, packager):
    """A Docker Hub project names the tags it keeps although they look like no version: the
    form shows the field with its help, refuses a pattern that breaks the regex rules next to
    it, and the Test check, the saved project and its check keep what it names."""
    registry.answer_json("/v2/library/nginx/tags/list", {"tags": ["1.25.3", "edge", "latest"]})
    form = {
        "name": "nginx",
        "homepage": "https://nginx.org/",
        "backend": "Docker Hub",
        "version_url": registry.base_url,
        "version_scheme": "",
    }

    blank = packager.get("/project/new", {"backend": "Docker Hub"}).content.decode()
    assert '<label for="id_regex">Tags to keep' in blank
    assert "must match the whole tag" in blank

    refused = packager.post("/project/new", {**form, "regex": "((a{1000}){1000}){1000}"})
    assert refused.status_code == 400
    assert "too large to run" in refused.context["form"].errors["regex"][0]
    assert not registry.requests()  # refused before any check

    tested = packager.post(
        "/project/new", {**form, "regex": "edge", "action": "test"}, HTTP_ACCEPT="application/json"
    )
    assert tested.status_code == 200, tested.content
    assert sorted(tested.json()["versions"]) == ["1.25.3", "edge"]

    created = packager.post("/project/new", {**form, "regex": "edge", "action": "save"})
    assert created.status_code == 302, _form_errors(created)
    project = Project.objects.get()
    assert project.regex == "edge"
    assert set(project.versions.values_list("version", flat=True)) == {"1.25.3", "edge"}
    checked = scheduler.check_one(project.pk)
    assert checked.outcome is Outcome.SUCCESS
