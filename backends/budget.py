"""What one check may cost: time, bytes, requests and versions, over all its requests together.

A response cap alone does not bound a check: an upstream can answer many pages, each under the
cap, or trickle every answer just under the read timeout. A :class:`Budget` is made per check
(per :class:`~backends.http.HttpClient`) and charged by every request, every byte read and
every page of versions; the first limit crossed ends the check with :class:`OverBudget`, a
:class:`~backends.errors.BackendError` whose message says which limit and how to fix it.
Nothing partial is kept: the pipeline raises before anything could be stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from backends.errors import BackendError

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The operator's limits for one check (CHECK_* keys, see the README)."""

    deadline: float = 60.0
    """Seconds for all of a scheduled check's requests together (CHECK_DEADLINE)."""
    interactive_deadline: float = 20.0
    """Seconds for a preview a person waits for: Test check, dry run (PREVIEW_DEADLINE)."""
    max_total_bytes: int = 64 * MIB
    """Bytes read from upstreams by one check, all requests together (CHECK_MAX_BYTES)."""
    max_requests: int = 50
    """Requests (pages, directory listings, redirects excluded) per check (CHECK_MAX_PAGES)."""
    max_versions: int = 10_000
    """Versions one check may read from the upstream (CHECK_MAX_VERSIONS)."""
    max_new_versions: int = 5_000
    """New versions one check may store (CHECK_MAX_NEW_VERSIONS)."""


class OverBudget(BackendError):
    """A check crossed one of its limits; nothing it found is stored."""


class Budget:
    """The running account of one check against its :class:`Limits` (not thread-safe: one
    check, one thread)."""

    def __init__(self, limits: Limits | None = None, *, interactive: bool = False) -> None:
        self.limits = limits or Limits()
        self.interactive = interactive
        self.seconds = self.limits.interactive_deadline if interactive else self.limits.deadline
        self.ends_at = time.monotonic() + self.seconds
        self.bytes_read = 0
        self.requests = 0

    def remaining(self) -> float:
        """Seconds left; raises :class:`OverBudget` once none are."""
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise self.out_of_time()
        return left

    def out_of_time(self) -> OverBudget:
        kind = "preview" if self.interactive else "check"
        key = "PREVIEW_DEADLINE" if self.interactive else "CHECK_DEADLINE"
        return OverBudget(
            f"The upstream is too slow: the {kind} did not finish within {self.seconds:g} s "
            f"({key}). Try again later, or point the project at a faster URL."
        )

    def timeout(self, per_request: float) -> float:
        """A socket timeout that never outlasts the deadline."""
        return max(0.001, min(per_request, self.remaining()))

    def charge_request(self, url: str) -> None:
        self.remaining()
        self.requests += 1
        if self.requests > self.limits.max_requests:
            raise OverBudget(
                f"The check needed more than {self.limits.max_requests} requests "
                f"(CHECK_MAX_PAGES), the last to {url}. Point the project at a page that "
                "lists the versions directly."
            )

    def bytes_left(self) -> int:
        return max(0, self.limits.max_total_bytes - self.bytes_read)

    def charge_bytes(self, count: int, url: str) -> None:
        self.bytes_read += count
        if self.bytes_read > self.limits.max_total_bytes:
            raise OverBudget(
                f"The check read more than {_size(self.limits.max_total_bytes)} from the "
                f"upstream in all (CHECK_MAX_BYTES), the last from {url}."
            )

    def check_versions(self, count: int) -> None:
        """Raise when the upstream listed more than ``max_versions`` versions so far."""
        if count > self.limits.max_versions:
            raise OverBudget(
                f"The upstream lists more than {self.limits.max_versions:,} versions "
                "(CHECK_MAX_VERSIONS). Narrow it down with a version URL, a regex or a "
                "version filter."
            )

    def check_new_versions(self, count: int) -> None:
        """Raise when a check would store more than ``max_new_versions`` versions at once."""
        if count > self.limits.max_new_versions:
            raise OverBudget(
                f"The check found {count:,} new versions, more than the "
                f"{self.limits.max_new_versions:,} one check may store "
                "(CHECK_MAX_NEW_VERSIONS). Narrow them down with a regex or a version filter."
            )


def _size(count: int) -> str:
    return f"{count / MIB:g} MiB" if count >= MIB else f"{count:,} bytes"
