"""What is left of the GitHub token pool's budgets, summed over its tokens, for the project
page of GitHub projects, ``/readyz`` and the admin (docs/operations.md, "GitHub tokens").

Read from the pool's rows (:class:`~projects.models.GitHubPoolEntry`) for the tokens the
configuration names; a token GitHub has not answered about yet is counted apart, and a
window whose reset has passed counts as whole again. No secret is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from backends.config import BackendsConfig, current
from backends.github_tokens import ASSUMED_LIMIT, CORE, GRAPHQL, Budget
from backends.upstreams.github import configured_tokens
from projects.models import GitHubPoolEntry

_NAMES = {GRAPHQL: ("GraphQL", "points"), CORE: ("REST", "requests")}


@dataclass(frozen=True)
class ResourceBudget:
    """One API's budget over the measured tokens."""

    remaining: int
    limit: int
    reset_at: dt.datetime | None

    def as_json(self) -> dict[str, Any]:
        reset = self.reset_at.isoformat() if self.reset_at else None
        return {"remaining": self.remaining, "limit": self.limit, "reset_at": reset}


@dataclass(frozen=True)
class GitHubBudget:
    """The pool's budgets: GraphQL's and REST's, None while no token was measured."""

    tokens: int
    graphql: ResourceBudget | None
    core: ResourceBudget | None

    @property
    def reset_at(self) -> dt.datetime | None:
        resets = [b.reset_at for b in (self.graphql, self.core) if b and b.reset_at]
        return min(resets) if resets else None

    def describe(self) -> str:
        """One line, e.g. "GraphQL 4,870 of 5,000 points left, REST 4,990 of 5,000 requests
        left, resets 12:40 UTC (2 tokens)"."""
        parts = []
        for resource, budget in ((GRAPHQL, self.graphql), (CORE, self.core)):
            if budget is not None:
                name, unit = _NAMES[resource]
                parts.append(f"{name} {budget.remaining:,} of {budget.limit:,} {unit} left")
        tokens = f"{self.tokens} token{'s' if self.tokens != 1 else ''}"
        if not parts:
            return f"not measured yet ({tokens})"
        reset = f", resets {self.reset_at.astimezone(dt.UTC):%H:%M} UTC" if self.reset_at else ""
        return ", ".join(parts) + f"{reset} ({tokens})"

    def as_json(self) -> dict[str, Any]:
        return {
            "configured": True,
            "tokens": self.tokens,
            "graphql": self.graphql.as_json() if self.graphql else None,
            "rest": self.core.as_json() if self.core else None,
        }


def pool_keys(config: BackendsConfig) -> list[str]:
    """The pool entries the configuration names (personal tokens, then the App)."""
    keys = [token.key for token in configured_tokens(config)]
    if config.github_app is not None:
        keys.append(config.github_app.key)
    return keys


def github_budget(
    *, now: dt.datetime | None = None, config: BackendsConfig | None = None
) -> GitHubBudget | None:
    """The pool's budgets now; None when no GitHub token is configured."""
    keys = pool_keys(config or current())
    if not keys:
        return None
    now = now or timezone.now()
    rows = list(GitHubPoolEntry.objects.filter(key__in=keys))
    return GitHubBudget(
        tokens=len(keys),
        graphql=_summed(rows, GRAPHQL, now),
        core=_summed(rows, CORE, now),
    )


def _summed(rows: list[GitHubPoolEntry], resource: str, now: dt.datetime) -> ResourceBudget | None:
    remaining = limit = 0
    resets: list[dt.datetime] = []
    measured = False
    for row in rows:
        budget = Budget(
            getattr(row, f"{resource}_limit"),
            getattr(row, f"{resource}_remaining"),
            getattr(row, f"{resource}_reset_at"),
        )
        if budget.remaining is None:
            continue
        measured = True
        remaining += budget.left(now)
        limit += budget.limit if budget.limit is not None else ASSUMED_LIMIT
        if budget.reset_at is not None and budget.reset_at > now:
            resets.append(budget.reset_at)
    if not measured:
        return None
    return ResourceBudget(remaining, max(limit, remaining), min(resets) if resets else None)
