"""Running a user's pattern over one short text (a version string): within the limits.

Watches' include and exclude patterns and release streams' patterns were validated when they
were entered (:func:`~backends.regexes.validate_user_regex`); they run here with the same
compile budget, the match-memory bound and a time limit (``REGEX_TIMEOUT`` unless the caller
gives a shorter one), so a pattern that backtracks catastrophically on some version stops
instead of holding a worker.
"""

from __future__ import annotations

import regex

from backends import config
from backends.regexes.cache import compile_within_budget
from backends.regexes.cost import RegexTooLarge


class PatternFailed(Exception):
    """A pattern could not be run on a text; the message says why, in one line."""


def search(pattern: str, text: str, *, timeout: float | None = None) -> bool:
    """Whether ``pattern`` matches anywhere in ``text``, within the user regexes' limits.

    ``timeout`` (seconds) defaults to ``REGEX_TIMEOUT``. Raises :class:`PatternFailed` when
    the pattern is over the compile budget or the match-memory bound, runs out of time,
    memory or recursion, or does not compile.
    """
    return _run(pattern, text, timeout, whole=False)


def fullmatch(pattern: str, text: str, *, timeout: float | None = None) -> bool:
    """Whether ``pattern`` matches the whole of ``text``, within the same limits as
    :func:`search` (and raising :class:`PatternFailed` as it does)."""
    return _run(pattern, text, timeout, whole=True)


def _run(pattern: str, text: str, timeout: float | None, *, whole: bool) -> bool:
    limit = config.current().regex_timeout if timeout is None else timeout
    if limit <= 0:
        raise PatternFailed("it took too long")
    try:
        compiled, cost = compile_within_budget(pattern)
        problem = cost.memory_problem(len(text))
        if problem is not None:
            raise RegexTooLarge(problem)
        run = compiled.fullmatch if whole else compiled.search
        return run(text, timeout=limit) is not None
    except TimeoutError:
        raise PatternFailed("it took too long") from None
    except (RegexTooLarge, regex.error, MemoryError, RecursionError, ValueError) as error:
        raise PatternFailed(" ".join(str(error).split()) or type(error).__name__) from None
