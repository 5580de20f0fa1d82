"""Compiling a pattern only within the budget, and keeping compiled patterns within a size.

A compiled pattern keeps about 140-200 bytes per step of its program alive (tracemalloc), so
a cache bounded by a COUNT of patterns (the ``lru_cache(maxsize=256)`` this replaces) could
hold 256 patterns of a million steps each. :class:`PatternCache` bounds the total WEIGHT of
what it holds (a pattern weighs its estimated steps plus its length): at most
:data:`CACHE_BUDGET`, about 20 MB at worst, and several hundred ordinary patterns.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import regex

from backends.regexes.cost import Estimate, RegexTooLarge, estimate

CACHE_BUDGET = 100_000
"""Most total weight (estimated steps + pattern length) the compiled-pattern cache holds."""


class PatternCache:
    """A thread-safe least-recently-used map of pattern -> (compiled, estimate), by weight.

    Entries are evicted, least recently used first, until the total weight is within the
    budget; an entry heavier than the whole budget is not kept at all.
    """

    def __init__(self, budget: int = CACHE_BUDGET) -> None:
        self.budget = budget
        self.weight = 0
        self._entries: OrderedDict[str, tuple[regex.Pattern[str], Estimate, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, pattern: object) -> bool:
        return pattern in self._entries

    def get(self, pattern: str) -> tuple[regex.Pattern[str], Estimate] | None:
        with self._lock:
            entry = self._entries.get(pattern)
            if entry is None:
                return None
            self._entries.move_to_end(pattern)
            return entry[0], entry[1]

    def put(self, pattern: str, compiled: regex.Pattern[str], cost: Estimate) -> None:
        weight = cost.steps + len(pattern)
        if weight > self.budget:
            return
        with self._lock:
            old = self._entries.pop(pattern, None)
            if old is not None:
                self.weight -= old[2]
            self._entries[pattern] = (compiled, cost, weight)
            self.weight += weight
            while self.weight > self.budget:
                _, (_, _, evicted) = self._entries.popitem(last=False)
                self.weight -= evicted

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.weight = 0


CACHE = PatternCache()


def compile_within_budget(pattern: str) -> tuple[regex.Pattern[str], Estimate]:
    """``pattern`` compiled (VERSION0) with its :class:`Estimate`, from the cache if there.

    Raises :class:`RegexTooLarge` without compiling when the estimate is over
    :data:`~backends.regexes.cost.MAX_STEPS`; any error of the compile itself (regex.error,
    MemoryError, RecursionError, OverflowError...) propagates for the caller to word.
    """
    cached = CACHE.get(pattern)
    if cached is not None:
        return cached
    cost = estimate(pattern)
    problem = cost.too_large
    if problem is not None:
        raise RegexTooLarge(problem)
    compiled = regex.compile(pattern, regex.VERSION0)
    CACHE.put(pattern, compiled, cost)
    return compiled, cost
