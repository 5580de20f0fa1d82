"""The GitHub token pool in the database (issue #19, "GitHub without stalls"): checks of
unchanged repositories spend nothing, a second token takes over when the first is spent, the
scheduler defers GitHub projects only when every token is, App tokens are minted once for
every process, and no page, answer, log or row shows a secret.

GitHub's answers are recorded with ``responses`` and follow its REST and GraphQL
documentation (see tests/backends/upstreams/test_github_conditional.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from responses import matchers

from backends.config import current
from backends.github_tokens import CORE, GRAPHQL, GitHubToken, RateReading, token_key
from backends.http import guard
from projects import check, scheduler
from projects.models import GitHubPoolEntry, Project, RateLimitBlock
from projects.services.github_pool import DatabaseTokenPool, unseal
from tests.factories import AdminFactory, ProjectFactory, ProjectVersionFactory
from tests.projects.conftest import shares_connections_safely

API = "https://api.github.com/graphql"
TAG_REFS = re.compile(r"https://api\.github\.com/repos/foo/[^/]+/git/matching-refs/tags")
EXCHANGE = "https://api.github.com/app/installations/77/access_tokens"
SECRETS = ("ghp_alpha_secret", "ghp_beta_secret")
ALPHA, BETA = (token_key(secret) for secret in SECRETS)
RESET = int(time.time()) + 2 * 3600


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: ["93.184.215.14"])


@pytest.fixture
def mock_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def two_tokens(settings):
    settings.GITHUB_ACCESS_TOKEN = SECRETS[0]
    settings.GITHUB_ACCESS_TOKENS = [SECRETS[1]]
    pool = current().github_token_pool
    assert isinstance(pool, DatabaseTokenPool)
    pool.ensure_rows()
    return pool


def budget(remaining: int, reset: int = RESET) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }


def page(*names: str) -> dict:
    nodes = [
        {"name": name, "target": {"commitUrl": f"https://github.com/foo/x/commit/{name}"}}
        for name in names
    ]
    return {"data": {"repository": {"refs": {"nodes": nodes}}}}


def auth(secret: str) -> list:
    return [matchers.header_matcher({"Authorization": f"bearer {secret}"})]


def github_project(name: str, *, checked_before: bool = True) -> Project:
    project = ProjectFactory(
        name=name,
        homepage=f"https://github.com/foo/{name}",
        backend="GitHub",
        version_url="",
        etag='W/"unchanged"' if checked_before else "",
    )
    if checked_before:
        ProjectVersionFactory(project=project, version="1.0")
    return project


def set_budget(key: str, resource: str, remaining: int, reset: int = RESET) -> None:
    GitHubPoolEntry.objects.filter(key=key).update(
        **{
            f"{resource}_limit": 5000,
            f"{resource}_remaining": remaining,
            f"{resource}_reset_at": dt.datetime.fromtimestamp(reset, dt.UTC),
        }
    )


def row(key: str) -> GitHubPoolEntry:
    return GitHubPoolEntry.objects.get(key=key)


@pytest.mark.django_db(transaction=True)
def test_a_cycle_of_unchanged_projects_spends_no_budget(pool, mock_http, two_tokens):
    projects = [github_project(f"repo{n}") for n in range(6)]
    for key in (ALPHA, BETA):
        set_budget(key, CORE, 4990)
        set_budget(key, GRAPHQL, 4000)
    mock_http.get(TAG_REFS, status=304, headers=budget(4990))

    run = scheduler.run_cycle()

    assert (run.total_count, run.success_count, run.error_count) == (6, 6, 0)
    assert {call.request.method for call in mock_http.calls} == {"GET"}  # no GraphQL call
    assert all(call.request.headers["If-None-Match"] == 'W/"unchanged"' for call in mock_http.calls)
    for key in (ALPHA, BETA):
        assert (row(key).core_remaining, row(key).graphql_remaining) == (4990, 4000)
    for project in projects:
        project.refresh_from_db()
        assert project.check_successful is True and project.etag == 'W/"unchanged"'


@pytest.mark.django_db
def test_an_unchanged_repository_reads_the_pool_once_and_writes_nothing(mock_http, two_tokens):
    set_budget(ALPHA, CORE, 4990)
    set_budget(BETA, CORE, 4990)
    mock_http.get(TAG_REFS, status=304, headers=budget(4990))
    project = Project.objects.prefetch_related("versions").get(pk=github_project("quiet").pk)

    with CaptureQueriesContext(connection) as queries:
        assert check.check_project(project, trigger=check.Trigger.SCHEDULER).outcome is (
            check.Outcome.SUCCESS
        )

    pool_queries = [q["sql"] for q in queries.captured_queries if "githubpoolentry" in q["sql"]]
    assert len(pool_queries) == 1 and pool_queries[0].startswith("SELECT")


@pytest.mark.django_db
def test_a_second_token_takes_over_when_the_first_is_spent_mid_cycle(mock_http, two_tokens):
    set_budget(ALPHA, GRAPHQL, 3000)  # the most left: used first
    set_budget(BETA, GRAPHQL, 2000)
    mock_http.post(API, json=page("2.0"), headers=budget(2999), match=auth(SECRETS[0]))
    mock_http.post(API, status=403, headers=budget(0), match=auth(SECRETS[0]))
    mock_http.post(API, json=page("2.0"), headers=budget(1999), match=auth(SECRETS[1]))
    projects = [github_project(f"new{n}", checked_before=False) for n in range(3)]

    outcomes = [scheduler.check_one(project.pk).outcome for project in projects]

    assert outcomes == [check.Outcome.SUCCESS] * 3
    used = [call.request.headers["Authorization"].split()[1] for call in mock_http.calls]
    assert used == [SECRETS[0], SECRETS[0], SECRETS[1], SECRETS[1]]
    assert row(ALPHA).graphql_remaining == 0
    assert row(ALPHA).graphql_reset_at == dt.datetime.fromtimestamp(RESET, dt.UTC)
    assert row(BETA).graphql_remaining == 1999
    assert not RateLimitBlock.objects.exists()
    assert all(
        p.versions.count() == 1 for p in Project.objects.filter(pk__in=[p.pk for p in projects])
    )


@pytest.mark.django_db
def test_every_token_spent_defers_github_projects_until_the_earliest_reset(mock_http, two_tokens):
    soon, later = int(time.time()) + 900, int(time.time()) + 3000
    mock_http.post(API, status=403, headers=budget(0, later), match=auth(SECRETS[0]))
    mock_http.post(API, status=429, headers=budget(0, soon), match=auth(SECRETS[1]))
    first, second = github_project("a", checked_before=False), github_project("b")

    assert scheduler.check_one(first.pk).outcome is check.Outcome.RATE_LIMITED
    calls = len(mock_http.calls)
    deferred = scheduler.check_one(second.pk)

    reset = dt.datetime.fromtimestamp(soon, dt.UTC)
    assert RateLimitBlock.objects.get().scope == "api.github.com"
    assert RateLimitBlock.objects.get().reset_at == reset
    assert deferred == scheduler.Checked(check.Outcome.RATE_LIMITED, deferred=True)
    assert len(mock_http.calls) == calls  # deferred without a request
    first.refresh_from_db()
    assert first.next_check == reset and first.error_counter == 0


@pytest.mark.django_db
def test_processes_share_the_budgets_and_a_stale_reading_changes_nothing(two_tokens, settings):
    other_machine = DatabaseTokenPool(
        [GitHubToken("Token 1", SECRETS[0]), GitHubToken("Token 2", SECRETS[1])]
    )
    window = dt.datetime.fromtimestamp(RESET, dt.UTC)
    alpha = GitHubToken("Token 1", SECRETS[0])
    two_tokens.record(alpha, GRAPHQL, RateReading(5000, 4000, window))
    other_machine.record(alpha, GRAPHQL, RateReading(5000, 3990, window))
    two_tokens.record(alpha, GRAPHQL, RateReading(5000, 3995, window))  # arrived late
    assert row(ALPHA).graphql_remaining == 3990
    two_tokens.record(alpha, GRAPHQL, RateReading(5000, 4999, window + dt.timedelta(hours=1)))
    other_machine.record(alpha, GRAPHQL, RateReading(5000, 3000, window))  # the old window
    assert (row(ALPHA).graphql_remaining, row(ALPHA).graphql_reset_at) == (
        4999,
        window + dt.timedelta(hours=1),
    )
    # Spent on one machine: the other starts with the other token.
    other_machine.exhaust(alpha, GRAPHQL, window)
    chosen = two_tokens.take(GRAPHQL)
    assert chosen is not None and chosen.key == BETA


@pytest.mark.django_db(transaction=True)
def test_readings_reported_at_once_by_many_checkers_keep_the_lowest(two_tokens):
    window = dt.datetime.fromtimestamp(RESET, dt.UTC)
    alpha = GitHubToken("Token 1", SECRETS[0])
    remaining = [4795 + 7 * n for n in range(16)]  # the lowest first: the last must not win

    def report(value: int) -> None:
        try:  # one process each: nothing known beforehand, every reading is written
            DatabaseTokenPool([alpha]).record(alpha, GRAPHQL, RateReading(5000, value, window))
        finally:
            connection.close()

    if shares_connections_safely():
        threads = [threading.Thread(target=report, args=(value,)) for value in remaining]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:  # SQLite's in-memory test database takes one writer at a time
        for value in remaining:
            DatabaseTokenPool([alpha]).record(alpha, GRAPHQL, RateReading(5000, value, window))

    assert (row(ALPHA).graphql_remaining, row(ALPHA).graphql_reset_at) == (min(remaining), window)


@pytest.fixture
def github_app_settings(settings, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "app.pem").write_bytes(pem)
    settings.GITHUB_ACCESS_TOKEN = None
    settings.GITHUB_APP_ID = 1234
    settings.GITHUB_APP_INSTALLATION_ID = 77
    settings.GITHUB_APP_PRIVATE_KEY_FILE = str(tmp_path / "app.pem")
    return settings


def minted(secret: str) -> dict:
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    return {"token": secret, "expires_at": expires.isoformat()}


@pytest.mark.django_db
def test_an_app_token_is_minted_once_kept_sealed_and_minted_again_near_expiry(
    mock_http, github_app_settings
):
    mock_http.post(EXCHANGE, status=201, json=minted("ghs_first"))
    mock_http.post(EXCHANGE, status=201, json=minted("ghs_second"))
    mock_http.post(API, json=page("1.0"))
    projects = [github_project(f"app{n}", checked_before=False) for n in range(3)]

    for project in projects[:2]:
        assert scheduler.check_one(project.pk).outcome is check.Outcome.SUCCESS
    entry = GitHubPoolEntry.objects.get(key="app-1234-77")
    assert entry.kind == "app" and "ghs_first" not in entry.sealed_token
    assert unseal(entry.sealed_token) == "ghs_first"
    # 56 minutes on, the token expires within five: the next check mints a new one.
    GitHubPoolEntry.objects.update(token_expires_at=timezone.now() + dt.timedelta(minutes=4))
    assert scheduler.check_one(projects[2].pk).outcome is check.Outcome.SUCCESS

    used = [c.request.headers["Authorization"] for c in mock_http.calls if c.request.url == API]
    assert used == ["bearer ghs_first", "bearer ghs_first", "bearer ghs_second"]
    assert sum(call.request.url == EXCHANGE for call in mock_http.calls) == 2


@pytest.mark.django_db
def test_an_app_that_cannot_mint_says_why_and_the_personal_tokens_go_on(
    mock_http, github_app_settings
):
    github_app_settings.GITHUB_ACCESS_TOKEN = SECRETS[0]
    mock_http.post(EXCHANGE, status=401, json={"message": "A JSON web token could not be decoded"})
    mock_http.post(API, json=page("1.0"), match=auth(SECRETS[0]))
    pool = current().github_token_pool
    assert isinstance(pool, DatabaseTokenPool)
    pool.ensure_rows()
    set_budget(ALPHA, GRAPHQL, 10)  # the App (never measured) would come first

    assert scheduler.check_one(github_project("p", checked_before=False).pk).outcome is (
        check.Outcome.SUCCESS
    )
    entry = GitHubPoolEntry.objects.get(key="app-1234-77")
    assert entry.refused_at is not None
    assert "GitHub refused to make an installation token" in entry.last_error


@pytest.mark.django_db
def test_the_page_and_readyz_show_the_budget(client, two_tokens):
    set_budget(ALPHA, GRAPHQL, 2870)
    set_budget(BETA, GRAPHQL, 2000)
    set_budget(ALPHA, CORE, 4990)
    reset = dt.datetime.fromtimestamp(RESET, dt.UTC)
    github, other = github_project("shown"), ProjectFactory(name="elsewhere")

    page_html = client.get(reverse("projects:project", args=[github.pk])).content.decode()
    other_html = client.get(reverse("projects:project", args=[other.pk])).content.decode()
    ready = client.get("/readyz").json()["parts"]["github"]

    expected = (
        "GraphQL 4,870 of 10,000 points left, REST 4,990 of 5,000 requests left, "
        f"resets {reset:%H:%M} UTC (2 tokens)"
    )
    assert f'<dd id="github-budget">{expected}</dd>' in page_html
    assert "GitHub API budget" not in other_html
    assert ready["ok"] is True and ready["detail"] == expected
    assert ready["graphql"] == {"remaining": 4870, "limit": 10000, "reset_at": reset.isoformat()}
    assert ready["rest"]["remaining"] == 4990 and ready["tokens"] == 2


@pytest.mark.django_db
def test_readyz_says_when_no_token_is_configured(client, settings):
    settings.GITHUB_ACCESS_TOKEN = None
    part = client.get("/readyz").json()["parts"]["github"]
    assert part == {"ok": True, "detail": "no GitHub token configured", "configured": False}


@pytest.mark.django_db
def test_no_secret_shows_anywhere(client, mock_http, two_tokens, caplog):
    caplog.set_level(logging.DEBUG)
    mock_http.post(API, status=401, json={"message": "Bad credentials"})
    project = github_project("refused", checked_before=False)
    scheduler.check_one(project.pk)
    project.refresh_from_db()
    client.force_login(AdminFactory(username="moderator"))
    changelist = reverse("admin:projects_githubpoolentry_changelist")
    detail = reverse("admin:projects_githubpoolentry_change", args=[row(ALPHA).pk])

    shown = [
        project.logs or "",
        client.get(changelist).content.decode(),
        client.get(detail).content.decode(),
        client.get(reverse("projects:project", args=[project.pk])).content.decode(),
        client.get("/readyz").content.decode(),
        caplog.text,
        repr(list(GitHubPoolEntry.objects.values())),
        repr(current()),
    ]

    assert "Bad credentials" in project.logs
    assert "Token 1" in shown[1] and "Bad credentials" in shown[1]
    for text in shown:
        for secret in SECRETS:
            assert secret not in text
    assert client.post(changelist, {"action": "delete_selected"}).status_code in (302, 403, 200)
    assert GitHubPoolEntry.objects.count() == 2
