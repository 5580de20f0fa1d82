"""GitHub without stalls (issue #19): a later check asks the REST API conditionally first, and
several tokens take turns, within the check, as each one's budget is spent.

The answers follow GitHub's REST documentation ("Use conditional requests if appropriate":
a 304 to an authorized conditional request does not count against the primary rate limit;
"List matching references"; "List releases"; "Rate limits for the REST API": the
X-RateLimit-* headers, 403/429 when a budget is spent) and its GraphQL rateLimit object.
GitHub's ETags are specific to the token that made them, so a repository is always asked with
the same token while that token has budget.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from responses import matchers

import backends.config
from backends.base import BackendError, NotModified, ProjectSpec, RateLimited, Release
from backends.config import BackendsConfig
from backends.github_tokens import (
    CORE,
    GRAPHQL,
    Budget,
    Candidate,
    GitHubToken,
    LocalTokenPool,
    RateReading,
    choose,
    token_key,
)
from backends.http import HttpClient
from backends.registry import get_backend

API = "https://api.github.com/graphql"
TAG_REFS = "https://api.github.com/repos/foo/bar/git/matching-refs/tags"
RELEASES = "https://api.github.com/repos/foo/bar/releases?per_page=100"
COMMIT = "https://github.com/foo/bar/commit/"
ETAG = 'W/"6a1b2c"'
RESET = int(time.time()) + 3 * 3600


def spec(**fields) -> ProjectSpec:
    values = {
        "name": "bar",
        "homepage": "https://github.com/foo/bar",
        "backend": "GitHub",
        "stored_versions": ("1.0",),
    }
    return ProjectSpec(**{**values, **fields})


def budget_headers(remaining: int, reset: int = RESET, limit: int = 5000) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }


def tags_page(*names: str, remaining: int = 4000) -> dict:
    nodes = [
        {
            "name": name,
            "target": {"commitUrl": COMMIT + name, "committedDate": "2024-01-02T03:04:05Z"},
        }
        for name in names
    ]
    return {
        "data": {
            "repository": {"refs": {"pageInfo": {"hasNextPage": False}, "nodes": nodes}},
            "rateLimit": {"limit": 5000, "remaining": remaining, "resetAt": "2030-01-01T00:00:00Z"},
        }
    }


def auth(secret: str) -> list:
    return [matchers.header_matcher({"Authorization": f"bearer {secret}"})]


@pytest.fixture
def tokens(monkeypatch) -> LocalTokenPool:
    """Two personal tokens, their budgets kept in this pool (as one check's would be)."""
    pool = LocalTokenPool([GitHubToken("Token 1", "tok-one"), GitHubToken("Token 2", "tok-two")])
    config = BackendsConfig(github_access_token="tok-one", github_token_pool=pool)
    monkeypatch.setattr(backends.config, "_current", config)
    return pool


def check(project: ProjectSpec, client: HttpClient | None = None) -> list[Release]:
    return get_backend("GitHub").fetch(project, client or HttpClient(etag=ETAG))


def own_token(pool: LocalTokenPool, repository: str = "foo/bar") -> str:
    """The token the repository's conditional requests go out with."""
    token = pool.take(CORE, affinity=repository)
    assert token is not None
    return token.secret


def posts(mock_http) -> list:
    return [call for call in mock_http.calls if call.request.method == "POST"]


# -- conditional requests ---------------------------------------------------------------------


def test_an_unchanged_repository_answers_304_and_costs_no_graphql_call(mock_http, tokens):
    secret = own_token(tokens)
    mock_http.get(TAG_REFS, status=304, headers=budget_headers(4990), match=auth(secret))

    with pytest.raises(NotModified):
        check(spec())

    (call,) = mock_http.calls
    assert call.request.headers["If-None-Match"] == ETAG
    assert call.request.headers["Authorization"] == f"bearer {secret}"
    assert not posts(mock_http)
    # The 304 said what is left: nothing was spent, and the pool knows it.
    key = token_key(secret)
    assert tokens.budget(key, CORE) == Budget(5000, 4990, dt.datetime.fromtimestamp(RESET, dt.UTC))
    assert tokens.budget(key, GRAPHQL) == Budget()


def test_a_changed_repository_is_read_through_graphql_and_its_new_etag_kept(mock_http, tokens):
    refs = [{"ref": "refs/tags/1.1", "object": {"sha": "c11", "type": "commit"}}]
    headers = {**budget_headers(4989), "ETag": 'W/"new"'}
    mock_http.get(TAG_REFS, json=refs, headers=headers)
    mock_http.post(API, json=tags_page("1.1", "1.0"), headers=budget_headers(4321))
    client = HttpClient(etag=ETAG)

    releases = check(spec(), client)

    assert [r.version for r in releases] == ["1.1", "1.0"]
    assert releases[0] == Release(
        "1.1", COMMIT + "1.1", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    )
    assert client.etag == 'W/"new"'  # stored with the versions: the next check can be a 304
    assert len(posts(mock_http)) == 1


def test_releases_only_asks_for_the_newest_releases(mock_http, tokens):
    mock_http.get(RELEASES, status=304, headers=budget_headers(4990))

    with pytest.raises(NotModified):
        check(spec(releases_only=True))

    assert mock_http.calls[0].request.url == RELEASES


def test_a_first_check_reads_everything_without_asking_rest(mock_http, tokens):
    mock_http.post(API, json=tags_page("1.0"))

    check(spec(stored_versions=()))

    assert [call.request.method for call in mock_http.calls] == ["POST"]


@pytest.mark.parametrize(
    ("answer", "headers"),
    [
        pytest.param({"json": {"message": "an object"}}, {}, id="not-a-list"),
        pytest.param({"body": "{not json"}, {}, id="unreadable"),
        pytest.param(
            {"json": []}, {"Link": f'<{TAG_REFS}?page=2>; rel="next"'}, id="continued-on-a-page-2"
        ),
    ],
)
def test_an_answer_that_is_not_every_tag_keeps_no_validator(mock_http, tokens, answer, headers):
    mock_http.get(TAG_REFS, headers={"ETag": 'W/"partial"', **headers}, **answer)
    mock_http.post(API, json=tags_page("1.0"))
    client = HttpClient(etag=ETAG, last_modified="Wed, 01 Jan 2025 00:00:00 GMT")

    check(spec(), client)

    # Its ETag would not move for a tag it does not list: the next check asks unconditionally.
    assert (client.etag, client.last_modified) == (None, None)


def test_a_spent_rest_budget_skips_the_question_but_keeps_the_stored_etag(mock_http, tokens):
    spent = {**budget_headers(0), "Retry-After": "60"}
    mock_http.get(TAG_REFS, status=403, headers=spent, json={"message": "API rate limit exceeded"})
    mock_http.post(API, json=tags_page("1.1"))
    client = HttpClient(etag=ETAG)

    assert [r.version for r in check(spec(), client)] == ["1.1"]

    # Both tokens were asked once each, then GraphQL (its own budget) read the versions.
    assert [call.request.method for call in mock_http.calls] == ["GET", "GET", "POST"]
    assert client.etag == ETAG


def test_a_repository_always_asks_with_its_own_token_while_it_has_budget():
    tokens = [GitHubToken(f"Token {n}", f"secret-{n}") for n in range(4)]
    candidates = [Candidate(token, Budget()) for token in tokens]
    now = dt.datetime.now(dt.UTC)
    chosen = {choose(candidates, now=now, affinity=f"owner/repo{n}") for n in range(40)}
    # Spread over the tokens, and stable for each repository:
    assert len(chosen) > 1
    first = choose(candidates, now=now, affinity="owner/repo1")
    assert all(choose(candidates, now=now, affinity="owner/repo1") == first for _ in range(5))
    # ...until its token is spent: then another one answers.
    spent = [
        Candidate(c.token, Budget(5000, 0, now + dt.timedelta(hours=1))) if c.token == first else c
        for c in candidates
    ]
    assert choose(spent, now=now, affinity="owner/repo1") not in (None, first)


# -- the pool ---------------------------------------------------------------------------------


def first_for_graphql(pool: LocalTokenPool) -> tuple[str, str]:
    """The secrets of the token GraphQL calls start with (the most left), and the other."""
    token = pool.take(GRAPHQL)
    assert token is not None
    other = "tok-two" if token.secret == "tok-one" else "tok-one"
    return token.secret, other


def test_a_second_token_takes_over_when_the_first_is_spent_within_the_check(mock_http, tokens):
    first, second = first_for_graphql(tokens)
    mock_http.get(TAG_REFS, json=[], headers=budget_headers(4000))
    mock_http.post(API, status=403, headers=budget_headers(0), match=auth(first))
    mock_http.post(API, json=tags_page("1.1"), headers=budget_headers(4999), match=auth(second))

    assert [r.version for r in check(spec())] == ["1.1"]

    asked = [call.request.headers["Authorization"] for call in posts(mock_http)]
    assert asked == [f"bearer {first}", f"bearer {second}"]
    assert tokens.budget(token_key(first), GRAPHQL).remaining == 0
    assert tokens.budget(token_key(second), GRAPHQL).remaining == 4999
    # The next call starts with the token that has budget left.
    assert first_for_graphql(tokens)[0] == second


def test_every_token_spent_is_rate_limited_until_the_earliest_reset(mock_http, tokens):
    soon, later = int(time.time()) + 600, int(time.time()) + 3000
    mock_http.get(TAG_REFS, json=[], headers=budget_headers(4000))
    mock_http.post(API, status=403, headers=budget_headers(0, later), match=auth("tok-one"))
    mock_http.post(API, status=429, headers=budget_headers(0, soon), match=auth("tok-two"))

    with pytest.raises(RateLimited) as raised:
        check(spec())

    assert raised.value.scope == "api.github.com"
    assert raised.value.reset_at.timestamp() == soon
    # A later check does not ask again: the pool knows both are spent.
    with pytest.raises(RateLimited):
        tokens.take(GRAPHQL)


def test_a_refused_token_is_put_aside_for_the_next(mock_http, tokens):
    first, second = first_for_graphql(tokens)
    mock_http.get(TAG_REFS, json=[], headers=budget_headers(4000))
    mock_http.post(API, status=401, json={"message": "Bad credentials"}, match=auth(first))
    mock_http.post(API, json=tags_page("1.1"), match=auth(second))

    assert [r.version for r in check(spec())] == ["1.1"]
    # Refused lately: the other token comes first from now on.
    assert first_for_graphql(tokens)[0] == second


def test_when_every_token_is_refused_the_check_says_so_without_a_secret(mock_http, tokens):
    mock_http.get(TAG_REFS, status=401, json={"message": "Bad credentials"})
    mock_http.post(API, status=401, json={"message": "Bad credentials"})

    with pytest.raises(BackendError) as raised:
        check(spec())

    assert not isinstance(raised.value, RateLimited)
    assert str(raised.value) == (
        'bar: Server responded with status "401": "Unauthorized" (Bad credentials)'
    )
    assert "tok-" not in str(raised.value)


def test_tokens_from_the_settings_rotate_without_a_database_pool(mock_http, monkeypatch):
    config = BackendsConfig(github_access_token="first", github_access_tokens=("second", "first"))
    monkeypatch.setattr(backends.config, "_current", config)
    mock_http.post(API, status=403, headers=budget_headers(0), match=auth("first"))
    mock_http.post(API, json=tags_page("1.0"), match=auth("second"))

    assert [r.version for r in check(spec(stored_versions=()))] == ["1.0"]
    assert len(posts(mock_http)) == 2  # "first" is one token, whichever list names it


def test_no_secret_is_in_a_repr():
    token = GitHubToken("Token 1", "ghp_topsecret")
    config = BackendsConfig(
        github_access_token="ghp_topsecret",
        github_access_tokens=("ghp_other",),
        github_token_pool=LocalTokenPool([token]),
    )
    for shown in (repr(token), repr(config), token.key):
        assert "topsecret" not in shown and "ghp_other" not in shown


def test_a_budget_reading_merges_in_any_order():
    now = dt.datetime.now(dt.UTC)
    window, next_window = now + dt.timedelta(minutes=30), now + dt.timedelta(minutes=90)
    known = Budget().merged(RateReading(5000, 4000, window))
    # A lower remaining in the same window wins; a higher (older) one is stale.
    assert known.merged(RateReading(5000, 3990, window)).remaining == 3990
    assert known.merged(RateReading(5000, 4500, window)).remaining == 4000
    # A later reset is a new window; an earlier one is stale.
    assert known.merged(RateReading(5000, 4999, next_window)) == Budget(5000, 4999, next_window)
    assert known.merged(RateReading(5000, 1, now)) == known
    # A window whose reset has passed is whole again.
    assert Budget(5000, 0, now - dt.timedelta(seconds=1)).left(now) == 5000


def test_the_graphql_body_tells_the_budget_when_the_headers_do_not(mock_http, tokens):
    mock_http.post(API, json=tags_page("1.0", remaining=321))

    check(spec(stored_versions=()))

    (call,) = posts(mock_http)
    used = call.request.headers["Authorization"].removeprefix("bearer ")
    budget = tokens.budget(token_key(used), GRAPHQL)
    # resetAt is in 2030: never believed further than a day away.
    assert (budget.limit, budget.remaining) == (5000, 321)
    assert budget.reset_at is not None and budget.reset_at <= dt.datetime.now(
        dt.UTC
    ) + dt.timedelta(days=1)
    assert "rateLimit" in json.loads(call.request.body)["query"]
