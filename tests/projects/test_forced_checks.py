"""Checks people ask for (issue #13): they never count toward the error threshold, a project
gets one per FORCED_CHECK_INTERVAL, and a user runs a few previews at once at most.

The upstream is the local one on 127.0.0.1 (tests/projects/conftest.py). A busy user is made
by taking their preview slots in the test itself (``limits.preview_slot``): the SQLite test
database cannot serve two request threads at once.
"""

from __future__ import annotations

import contextlib
import threading
import types

import pytest
from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from backends import pipeline
from backends.base import BackendError
from messaging.models import OutboxMessage
from projects import limits, scheduler
from projects.models import Project
from tests.factories import (
    AdminFactory,
    ProjectFactory,
    ProjectVersionFactory,
    UserFactory,
    watched,
)

pytestmark = pytest.mark.django_db

V1 = "/api/version/get"
V2 = "/api/v2/versions/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.FORCED_CHECK_INTERVAL = 60
    settings.PREVIEW_CONCURRENCY_PER_USER = 2
    settings.PREVIEW_CONCURRENCY_PER_PROCESS = 2
    limits._process_slots = None  # this process's semaphore, made afresh for each test
    yield
    limits._process_slots = None


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def token_client(name: str) -> tuple[object, APIClient]:
    user = UserFactory(email=f"{name}@example.org", username=name)
    _token, secret = ApiToken.issue(user, "scripts")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return user, client


@pytest.fixture
def alice():
    return token_client("alice")


@pytest.fixture
def bob():
    return token_client("bob")


@pytest.fixture
def ada():
    """A signed-in user of the website."""
    user = UserFactory(username="ada")
    client = Client()
    client.force_login(user)
    return user, client


def missing(upstream, name: str = "gone", **fields) -> Project:
    """A project whose upstream answers 404."""
    return ProjectFactory(name=name, version_url=f"{upstream.base_url}/missing/", **fields)


def topics() -> list[str]:
    return list(OutboxMessage.objects.order_by("pk").values_list("topic", flat=True))


def stored(project: Project) -> list[str]:
    return sorted(project.versions.values_list("version", flat=True))


@contextlib.contextmanager
def busy(who: str, slots: int = 2):
    """``who`` runs ``slots`` previews for the duration of the block."""
    with contextlib.ExitStack() as stack:
        for _ in range(slots):
            stack.enter_context(limits.preview_slot(who))
        yield


# -- the issue's attack -----------------------------------------------------------------------


def test_anonymous_checks_cannot_get_a_project_deleted(api, upstream, settings):
    """100 anonymous POST /api/version/get on an unmapped project whose upstream answers 404:
    Anitya deletes it at the 100th. Here every failure is recorded and none counts."""
    settings.FORCED_CHECK_INTERVAL = 0  # the limit must not hide what the counter does
    settings.CHECK_ERROR_THRESHOLD = 5
    project = missing(upstream)

    for _ in range(100):
        response = api.post(V1, {"id": project.pk})
        assert response.status_code == 400
        assert "404" in response.json()["error"][0]

    project = Project.objects.get(pk=project.pk)  # still there
    assert project.error_counter == 0
    assert project.archived is False
    assert project.check_successful is False
    assert "404" in project.logs
    assert project.last_check is not None
    assert topics() == []
    assert len(upstream.hits("/missing/")) == 100


def test_v2_checks_do_not_count_either(alice, upstream, settings):
    settings.FORCED_CHECK_INTERVAL = 0
    settings.CHECK_ERROR_THRESHOLD = 2
    project = missing(upstream)
    ProjectVersionFactory(project=project, version="1.0")
    _user, client = alice
    for _ in range(3):
        response = client.post(V2, {"id": project.pk, "dry_run": False}, format="json")
        assert response.status_code == 400
    project.refresh_from_db()
    assert (project.error_counter, project.archived) == (0, False)
    assert topics() == []


def test_the_scheduler_still_counts_and_removes(upstream, settings):
    settings.CHECK_ERROR_THRESHOLD = 2
    project = missing(upstream)
    scheduler.check_one(project.pk)
    assert Project.objects.get(pk=project.pk).error_counter == 1
    scheduler.check_one(project.pk)
    assert not Project.objects.filter(pk=project.pk).exists()
    assert topics() == ["project.remove"]


# -- one full check of a project per FORCED_CHECK_INTERVAL ------------------------------------


def retry_after(response) -> int:
    return int(response["Retry-After"])


def test_v1_second_check_within_the_interval_is_a_429(api, upstream):
    project = watched(upstream, "tool", "1.0")
    other = watched(upstream, "other", "2.0")

    first = api.post(V1, {"id": project.pk})
    second = api.post(V1, {"id": project.pk})
    elsewhere = api.post(V1, {"id": other.pk})  # each project has its own allowance

    assert first.status_code == 200
    assert second.status_code == 429
    assert 1 <= retry_after(second) <= 60
    body = second.json()
    assert set(body) == {"output", "error"}
    assert body["output"] == "notok"
    assert "checked on request less than 60 seconds ago" in body["error"]
    assert elsewhere.status_code == 200
    assert len(upstream.hits("/tool/")) == 1
    assert stored(project) == ["1.0"] and stored(other) == ["2.0"]


def test_v1_dry_runs_are_not_forced_checks(api, upstream):
    project = watched(upstream, "tool", "1.0")
    assert api.post(V1, {"id": project.pk}).status_code == 200
    for _ in range(3):
        assert api.post(V1, {"id": project.pk, "test": "1"}).status_code == 200


def test_v2_second_check_within_the_interval_is_a_429(alice, bob, upstream):
    project = watched(upstream, "tool", "1.0")
    _, alice_client = alice
    _, bob_client = bob

    first = alice_client.post(V2, {"id": project.pk, "dry_run": False}, format="json")
    by_someone_else = bob_client.post(V2, {"id": project.pk, "dry_run": False}, format="json")
    dry_run = bob_client.post(V2, {"id": project.pk, "dry_run": True}, format="json")

    assert first.status_code == 200
    assert by_someone_else.status_code == 429  # the limit is the project's, whoever asks
    assert 1 <= retry_after(by_someone_else) <= 60
    body = by_someone_else.json()
    assert body["error"] == "rate_limited"
    assert "checked on request less than 60 seconds ago" in body["error_description"]
    assert dry_run.status_code == 200
    assert len(upstream.hits("/tool/")) == 2  # the check and the dry run


def test_v2_a_refused_check_changes_nothing(alice, upstream):
    project = watched(upstream, "tool", "1.0")
    _, client = alice
    assert client.post(V2, {"id": project.pk, "dry_run": False}, format="json").status_code == 200
    outbox = OutboxMessage.objects.count()

    refused = client.post(
        V2, {"id": project.pk, "dry_run": False, "version_prefix": "tool-"}, format="json"
    )

    assert refused.status_code == 429
    project.refresh_from_db()
    assert project.version_prefix in (None, "")
    assert OutboxMessage.objects.count() == outbox


def test_no_limit_with_an_interval_of_zero(api, upstream, settings):
    settings.FORCED_CHECK_INTERVAL = 0
    project = watched(upstream, "tool", "1.0")
    assert [api.post(V1, {"id": project.pk}).status_code for _ in range(3)] == [200] * 3


def test_the_retry_after_counts_down(monkeypatch):
    now = [1_000_000.0]  # the module's clock only: the cache keeps the real one
    monkeypatch.setattr(limits, "time", types.SimpleNamespace(time=lambda: now[0]))
    limits.claim_forced_check(42)
    now[0] += 45.5
    with pytest.raises(limits.Limited) as refused:
        limits.claim_forced_check(42)
    assert refused.value.retry_after == 15
    assert "try again in 15 seconds" in str(refused.value)
    cache.delete("forced-check:42")  # what the key's expiry does
    limits.claim_forced_check(42)


def test_site_full_check_within_the_interval_is_refused_with_a_message(ada, fake_backend, upstream):
    _user, client = ada
    project = ProjectFactory(name="fresh")  # no versions: any user may run a Full check
    fake_backend.script["fresh"] = BackendError("HTTP 404")

    first = client.post(f"/project/{project.pk}/check", follow=True)
    second = client.post(f"/project/{project.pk}/check", follow=True)
    as_json = client.post(f"/project/{project.pk}/check", HTTP_ACCEPT="application/json")

    assert "Check failed: HTTP 404" in first.content.decode()
    assert second.status_code == 200  # back on the project page, with the reason
    page = second.content.decode()
    assert "Not checked: This project was checked on request less than 60 seconds ago" in page
    assert as_json.status_code == 429
    assert 1 <= retry_after(as_json) <= 60
    assert "checked on request" in as_json.json()["error"]
    assert fake_backend.calls == {"fresh": 1}
    project.refresh_from_db()
    assert project.error_counter == 0


def test_the_admin_action_is_not_limited(client, upstream):
    client.force_login(AdminFactory(username="root"))
    project = missing(upstream)
    for _ in range(2):
        client.post(
            reverse("admin:projects_project_changelist"),
            {"action": "check_now", "_selected_action": [str(project.pk)], "index": "0"},
            follow=True,
        )
    assert len(upstream.hits("/missing/")) == 2
    assert LogEntry.objects.filter(object_id=str(project.pk)).count() == 2
    project.refresh_from_db()
    assert project.error_counter == 0  # a person's check, never counted
    assert project.check_successful is False


# -- previews a person waits for --------------------------------------------------------------


def test_every_preview_a_person_waits_for_is_interactive(api, alice, ada, upstream, monkeypatch):
    project = watched(upstream, "tool", "1.0")
    calls = []
    real = pipeline.preview

    def spy(spec, **kwargs):
        calls.append(kwargs.get("interactive", False))
        return real(spec, **kwargs)

    monkeypatch.setattr(pipeline, "preview", spy)
    _, alice_client = alice
    _, ada_client = ada
    assert api.post(V1, {"id": project.pk, "test": "1"}).status_code == 200
    assert alice_client.post(V2, {"id": project.pk}, format="json").status_code == 200
    assert ada_client.post(f"/project/{project.pk}/test-check").status_code == 200
    created = alice_client.post(
        "/api/v2/projects/",
        {
            "name": "newtool",
            "homepage": "https://newtool.example.org/",
            "backend": "custom",
            "version_url": upstream.publish("newtool", "0.1"),
        },
        format="json",
    )
    assert created.status_code == 201
    assert calls == [True, True, True, True]


# -- how many previews one user runs at once --------------------------------------------------


def test_a_busy_user_gets_a_429_while_another_user_previews(alice, bob, upstream, settings):
    settings.PREVIEW_CONCURRENCY_PER_PROCESS = 10
    project = watched(upstream, "tool", "1.0")
    alice_user, alice_client = alice
    _, bob_client = bob

    with busy(f"user:{alice_user.pk}"):
        refused = alice_client.post(V2, {"id": project.pk}, format="json")
        full = alice_client.post(V2, {"id": project.pk, "dry_run": False}, format="json")
        other = bob_client.post(V2, {"id": project.pk}, format="json")
    after = alice_client.post(V2, {"id": project.pk}, format="json")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "5"
    assert refused.json() == {"error": "rate_limited", "error_description": limits.TOO_BUSY}
    assert full.status_code == 429
    assert other.status_code == 200
    assert after.status_code == 200
    # The refused full check did not use the project's forced-check allowance.
    assert alice_client.post(V2, {"id": project.pk, "dry_run": False}).status_code == 200


def test_v1_counts_anonymous_clients_by_address(api, upstream, settings):
    settings.PREVIEW_CONCURRENCY_PER_PROCESS = 10
    project = watched(upstream, "tool", "1.0")
    with busy("address:127.0.0.1"):
        refused = api.post(V1, {"id": project.pk, "test": "1"})
        elsewhere = api.post(V1, {"id": project.pk, "test": "1"}, REMOTE_ADDR="10.0.0.8")
    assert refused.status_code == 429
    assert refused.json() == {"output": "notok", "error": limits.TOO_BUSY}
    assert refused["Retry-After"] == "5"
    assert elsewhere.status_code == 200


def test_the_site_shows_the_reason(ada, fake_backend, settings):
    settings.PREVIEW_CONCURRENCY_PER_PROCESS = 10
    user, client = ada
    project = ProjectFactory(name="geany")
    form = {
        "name": "newtool",
        "homepage": "https://newtool.example.org/",
        "backend": "custom",
        "version_url": "https://newtool.example.org/releases/",
        "version_scheme": "",
        "regex": "DEFAULT",
    }
    with busy(f"user:{user.pk}"):
        as_json = client.post(f"/project/{project.pk}/test-check", HTTP_ACCEPT="application/json")
        as_html = client.post(f"/project/{project.pk}/test-check")
        form_test = client.post("/project/new", {**form, "action": "test"})
        create = client.post("/project/new", form)
        full = client.post(f"/project/{project.pk}/check", follow=True)

    assert as_json.status_code == 429
    assert as_json.json() == {"error": limits.TOO_BUSY}
    assert as_html.status_code == 429
    assert "Too many checks are running for you" in as_html.content.decode()
    assert form_test.status_code == 429
    assert "Too many checks are running for you" in form_test.content.decode()
    assert create.status_code == 429
    assert "Too many checks are running for you" in create.content.decode()
    assert not Project.objects.filter(name="newtool").exists()
    assert "Not checked: Too many checks are running for you" in full.content.decode()
    assert fake_backend.calls == {}


def test_one_process_runs_a_few_previews_at_once_whoever_asks(alice, upstream, settings):
    settings.PREVIEW_CONCURRENCY_PER_USER = 10
    settings.PREVIEW_CONCURRENCY_PER_PROCESS = 1
    project = watched(upstream, "tool", "1.0")
    _, client = alice
    with limits.preview_slot("user:someone-else"):
        refused = client.post(V2, {"id": project.pk}, format="json")
    assert refused.status_code == 429
    assert refused.json()["error_description"] == limits.TOO_BUSY
    assert client.post(V2, {"id": project.pk}, format="json").status_code == 200


def test_the_process_limit_holds_across_threads(settings):
    settings.PREVIEW_CONCURRENCY_PER_USER = 0  # only the process's semaphore
    settings.PREVIEW_CONCURRENCY_PER_PROCESS = 2
    inside, leave = threading.Barrier(3), threading.Event()
    outcomes = []

    def preview():
        with limits.preview_slot("user:x"):
            inside.wait(5)
            leave.wait(5)

    threads = [threading.Thread(target=preview) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait(5)  # both threads hold a slot
    try:
        with limits.preview_slot("user:y"):
            outcomes.append("ran")
    except limits.Limited:
        outcomes.append("refused")
    leave.set()
    for thread in threads:
        thread.join(5)
    with limits.preview_slot("user:y"):
        outcomes.append("ran")
    assert outcomes == ["refused", "ran"]


def test_slots_are_given_back_when_a_preview_fails(alice, upstream, settings):
    settings.PREVIEW_CONCURRENCY_PER_USER = 1
    settings.PREVIEW_CONCURRENCY_PER_PROCESS = 1
    project = missing(upstream)
    _, client = alice
    for _ in range(3):  # each one fails upstream; none is refused by the limits
        assert client.post(V2, {"id": project.pk}, format="json").status_code == 400

    with pytest.raises(RuntimeError), limits.preview_slot("user:x"):
        raise RuntimeError("the preview blew up")
    with limits.preview_slot("user:x"):  # both slots are free again
        assert cache.get("preview-slot:user:x:0") is not None
    assert cache.get("preview-slot:user:x:0") is None


def test_a_slot_left_by_a_dead_worker_expires(settings, monkeypatch):
    settings.PREVIEW_DEADLINE = 20
    lifetimes = []
    real_add = cache.add

    def add(key, value, timeout=None, **kwargs):
        lifetimes.append((key, timeout))
        return real_add(key, value, timeout=timeout, **kwargs)

    monkeypatch.setattr(cache, "add", add)
    with limits.preview_slot("user:x"):
        pass
    assert lifetimes == [("preview-slot:user:x:0", 20 + limits.SLOT_MARGIN)]
