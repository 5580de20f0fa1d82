"""The GitHub tokens a check may use, and how one is chosen: a pool, not a single token.

GitHub limits each token (each account, each App installation) to a budget per hour, kept
apart for the REST API (``core``) and GraphQL (``graphql``). The GitHub backend asks a
:class:`TokenPool` for a token before every call, tells it what GitHub answered about the
budget (:meth:`TokenPool.record`), and that a token is spent (:meth:`TokenPool.exhaust`) or
refused (:meth:`TokenPool.refuse`), then goes on with the next token within the same check.
Only when every token is spent does :meth:`TokenPool.take` raise
:class:`~backends.errors.RateLimited`, with the earliest reset, so that the scheduler defers
the GitHub projects until then.

:class:`LocalTokenPool` keeps that state in memory for one check (scripts, benchmarks, a
process without a database). The web app installs a pool kept in the database instead
(``projects/services/github_pool.py``), so that every checker process on every machine sees
the same budgets. Either way the choice is :func:`choose`'s.

Secrets never leave :class:`GitHubToken` by its repr; a token is named by its ``label`` and
its ``key`` (a digest, never the secret) everywhere else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from backends.errors import RateLimited

#: The REST API's budget (conditional requests: a 304 spends nothing of it).
CORE = "core"
#: The GraphQL API's budget (points; one query of 100 refs costs one).
GRAPHQL = "graphql"
RESOURCES = (CORE, GRAPHQL)
#: GitHub's scope for RateLimited: every GitHub project waits when every token is spent.
RATE_LIMIT_SCOPE = "api.github.com"
#: What an unmeasured budget is assumed to hold (GitHub's hourly budget of a token).
ASSUMED_LIMIT = 5000
#: A token GitHub refused (bad credentials) is tried again only after the others this long.
REFUSAL_PAUSE = dt.timedelta(minutes=15)

TOKEN = "token"
APP = "app"


def token_key(secret: str) -> str:
    """A token's identity in the pool: a digest, so that no list, log or row holds it."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:24]


@dataclass(frozen=True)
class GitHubToken:
    """One token of the pool: ``secret`` is sent to GitHub and nowhere else."""

    label: str
    secret: str = field(repr=False)
    kind: str = TOKEN
    #: The pool's name for it (for a personal token, :func:`token_key` of the secret).
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", token_key(self.secret))


@dataclass(frozen=True)
class GitHubApp:
    """A GitHub App installation whose tokens join the pool (GITHUB_APP_*).

    ``private_key`` is the App's PEM text; ``key_problem`` says, without the key, why it
    could not be read (the check then reports it instead of minting).
    """

    app_id: str
    installation_id: int
    private_key: str = field(default="", repr=False)
    key_problem: str = ""

    @property
    def key(self) -> str:
        return f"app-{self.app_id}-{self.installation_id}"

    @property
    def label(self) -> str:
        return f"GitHub App {self.app_id}, installation {self.installation_id}"


@dataclass(frozen=True)
class RateReading:
    """What GitHub said about one token's budget for one resource."""

    limit: int | None
    remaining: int | None
    reset_at: dt.datetime | None


@dataclass(frozen=True)
class Budget:
    """A token's last known budget for one resource (all None: never measured)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: dt.datetime | None = None

    def left(self, now: dt.datetime) -> int:
        """What the token may still spend: a window whose reset has passed is whole again."""
        limit = self.limit if self.limit is not None else ASSUMED_LIMIT
        if self.remaining is None or (self.reset_at is not None and self.reset_at <= now):
            return limit
        return self.remaining

    def merged(self, reading: RateReading) -> Budget:
        """This budget after ``reading``, whichever order readings arrive in.

        Within one window (the same reset) the budget only goes down, so the lower remaining
        wins; a later reset is a new window and replaces it; an older one is stale. A reading
        without a reset says nothing that could ever end, and is ignored.
        """
        if reading.remaining is None or reading.reset_at is None:
            return self
        limit = reading.limit if reading.limit is not None else self.limit
        if self.reset_at is None or self.remaining is None or reading.reset_at > self.reset_at:
            return Budget(limit, reading.remaining, reading.reset_at)
        if reading.reset_at == self.reset_at:
            return Budget(limit, min(reading.remaining, self.remaining), self.reset_at)
        return self


@dataclass(frozen=True)
class Candidate:
    """A token as :func:`choose` sees it."""

    token: GitHubToken
    budget: Budget
    refused_at: dt.datetime | None = None


def _affinity_rank(candidate: Candidate, affinity: str) -> str:
    # Rendezvous hashing: each repository prefers one token, the same one on every machine,
    # and adding or removing a token moves only its share of repositories.
    return hashlib.sha256(f"{candidate.token.key}\0{affinity}".encode()).hexdigest()


def choose(
    candidates: Sequence[Candidate],
    *,
    now: dt.datetime,
    affinity: str | None = None,
    skip: Collection[str] = (),
) -> GitHubToken | None:
    """The token to use next, None when none is left; RateLimited when all are spent.

    The one with the most left, or, with ``affinity`` (conditional requests: GitHub's ETags
    are only honoured for the token that made them), the repository's own personal token
    while it has budget. App tokens change every hour and so are never a repository's own.
    Tokens GitHub refused lately come last; tokens in ``skip`` (keys) not at all.
    """
    usable = [c for c in candidates if c.token.key not in skip and c.budget.left(now) > 0]
    if usable:
        fresh = [c for c in usable if c.refused_at is None or c.refused_at + REFUSAL_PAUSE <= now]
        pool = fresh or usable
        static = [c for c in pool if c.token.kind == TOKEN]
        if affinity is not None and static:
            return max(static, key=lambda c: _affinity_rank(c, affinity)).token
        return max(pool, key=lambda c: (c.budget.left(now), c.token.key)).token
    resets = [
        c.budget.reset_at
        for c in candidates
        if c.budget.reset_at is not None and c.budget.reset_at > now and c.budget.left(now) <= 0
    ]
    if resets:
        raise RateLimited(min(resets), scope=RATE_LIMIT_SCOPE)
    return None


class TokenPool(Protocol):
    """Where the GitHub backend gets its tokens and reports their budgets."""

    def take(
        self, resource: str, *, affinity: str | None = None, skip: Collection[str] = ()
    ) -> GitHubToken | None:
        """A token with budget left for ``resource`` (see :func:`choose`); None when none is
        configured or every one is in ``skip``; RateLimited when every one is spent."""

    def record(self, token: GitHubToken, resource: str, reading: RateReading) -> None:
        """What GitHub answered about ``token``'s budget."""

    def exhaust(self, token: GitHubToken, resource: str, reset_at: dt.datetime) -> None:
        """``token`` may not spend ``resource`` again before ``reset_at``."""

    def refuse(self, token: GitHubToken, reason: str) -> None:
        """GitHub refused ``token`` (bad credentials): try the others first for a while."""


class LocalTokenPool:
    """A pool kept in this object's memory: tokens rotate within one check only."""

    def __init__(self, tokens: Iterable[GitHubToken]) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, GitHubToken] = {}
        for token in tokens:
            self._tokens.setdefault(token.key, token)
        self._budgets: dict[tuple[str, str], Budget] = {}
        self._refused: dict[str, dt.datetime] = {}

    @property
    def tokens(self) -> tuple[GitHubToken, ...]:
        return tuple(self._tokens.values())

    def budget(self, key: str, resource: str) -> Budget:
        with self._lock:
            return self._budgets.get((key, resource), Budget())

    def take(
        self, resource: str, *, affinity: str | None = None, skip: Collection[str] = ()
    ) -> GitHubToken | None:
        with self._lock:
            candidates = [
                Candidate(t, self._budgets.get((t.key, resource), Budget()), self._refused.get(k))
                for k, t in self._tokens.items()
            ]
        return choose(candidates, now=dt.datetime.now(dt.UTC), affinity=affinity, skip=skip)

    def record(self, token: GitHubToken, resource: str, reading: RateReading) -> None:
        with self._lock:
            known = self._budgets.get((token.key, resource), Budget())
            self._budgets[(token.key, resource)] = known.merged(reading)

    def exhaust(self, token: GitHubToken, resource: str, reset_at: dt.datetime) -> None:
        with self._lock:
            known = self._budgets.get((token.key, resource), Budget())
            self._budgets[(token.key, resource)] = replace(known, remaining=0, reset_at=reset_at)

    def refuse(self, token: GitHubToken, reason: str) -> None:
        with self._lock:
            self._refused[token.key] = dt.datetime.now(dt.UTC)
