"""User regexes: validated when they are entered, run within time and memory limits.

Projects of the custom backend (and several upstream modules) find versions by running a
regex over a downloaded page. The regex comes from a user and the page from an upstream, so a
pattern like ``(a+)+$`` on a few megabytes could otherwise hold a worker for hours. The
``regex`` package matches with ``re`` semantics (VERSION0) and supports a timeout.

Limits (issue #13):

- Time: the search stops after ``REGEX_TIMEOUT`` seconds of CPU time (2 by default).
- Size: the ``regex`` module writes counted repeats out when it compiles, so a 24-character
  ``((a{1000}){1000}){1000}`` would take gigabytes. Before anything is compiled,
  :func:`~backends.regexes.cost.estimate` bounds the compiled program from the pattern's text
  (a repeat multiplies its body by its largest count, nested repeats multiply); a pattern over
  :data:`MAX_STEPS` (10,000 steps, under ~8 MB and ~8 ms to compile) is refused: at
  validation with :class:`InvalidRegex`, and at check time (a row stored before this rule, a
  backend's or the operator's pattern) with :class:`~backends.base.BackendError`, both saying
  which repeat is too large, e.g. "The repeat {1000} inside {1000} would make the regular
  expression too large to run (about 1,000,000 steps; at most 10,000 are allowed)."
- Match memory: the module keeps state for every iteration of a repeated group while it tries
  a match (``(a)*`` over a million "a": ~160 MB). A search whose estimate over the page
  exceeds :data:`MAX_MATCH_MEMORY` (128 MB) is refused with a BackendError; repeats of single
  characters or classes (``[\\d.]+``, every repeat of the default regex) cost nothing and run
  over any page.
- Cache: compiled patterns are kept in a least-recently-used cache bounded by total weight
  (estimated steps + pattern length, at most :data:`CACHE_BUDGET` = 100,000, about 20 MB),
  not by count.

Running out of memory or recursion inside the regex module is never an unhandled error:
:class:`InvalidRegex` at validation, :class:`~backends.base.BackendError` at check time.
"""

import regex  # noqa: F401  (tests patch regexes.regex.compile)

from backends.config import DEFAULT_REGEX
from backends.regexes.cache import CACHE, CACHE_BUDGET, PatternCache, compile_within_budget
from backends.regexes.cost import (
    MAX_MATCH_MEMORY,
    MAX_STEPS,
    Estimate,
    RegexTooLarge,
    estimate,
)
from backends.regexes.matching import (
    _DOTTED_I,
    _FOLD_TO_ASCII,
    DEFAULT_ALIAS,
    DEFAULT_TIMEOUT,
    MAX_REGEX_LENGTH,
    NAME_PLACEHOLDER,
    InvalidRegex,
    _compile,
    default_regex,
    find_versions,
    project_regex,
    releases_from,
    validate_user_regex,
    versions_by_regex,
)
from backends.regexes.searching import PatternFailed, fullmatch, search

__all__ = [
    "CACHE",
    "CACHE_BUDGET",
    "DEFAULT_ALIAS",
    "DEFAULT_REGEX",
    "DEFAULT_TIMEOUT",
    "MAX_MATCH_MEMORY",
    "MAX_REGEX_LENGTH",
    "MAX_STEPS",
    "NAME_PLACEHOLDER",
    "_DOTTED_I",
    "_FOLD_TO_ASCII",
    "Estimate",
    "InvalidRegex",
    "PatternCache",
    "PatternFailed",
    "RegexTooLarge",
    "_compile",
    "compile_within_budget",
    "default_regex",
    "estimate",
    "find_versions",
    "fullmatch",
    "project_regex",
    "releases_from",
    "search",
    "validate_user_regex",
    "versions_by_regex",
]
