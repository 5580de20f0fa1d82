"""What a regex would cost the ``regex`` module, read from its text without compiling it.

The ``regex`` module writes out counted repeats when it compiles: ``(?:a{1000}){1000}`` becomes
a program of a million steps (about 260 MB, 0.4 s), ``((a{1000}){1000}){1000}`` a billion.
:func:`estimate` walks the pattern with a small tokenizer of its own and bounds the size of the
compiled program: an atom costs 1 (a character class its length), a group its body + 1, a
repeat ``{m,n}`` its body times ``max(m, n, 1)`` + 1 (an unbounded ``{m,}`` counts ``m``), so
nested repeats multiply. The bound is deliberately generous to the pattern's disadvantage
(``\\d{1,65535}`` counts 65,536 steps though the module only writes out the minimum), and
a pattern over :data:`MAX_STEPS` is never compiled.

Matching has a cost of its own: while trying a match, the module keeps a backtracking entry
(and a copy of the captures) for every iteration of a repeated group, so ``(a)*`` over a page of
a million "a" holds about 160 MB until the attempt ends. :meth:`Estimate.match_memory` bounds
that from the pattern and the length of the text (see the byte constants in
:mod:`backends.regexes.nodes`), and a search that could exceed :data:`MAX_MATCH_MEMORY` is
refused before it starts.

The walk over the text is :func:`~backends.regexes.syntax.parse` (which lists what it
understands; it never raises: text the module would reject still gets an estimate, and the
compile reports the syntax error), and what each piece costs is the node algebra of
:mod:`backends.regexes.nodes`. Because a global ``(?x)`` anywhere switches verbose mode on for
the whole pattern, a pattern that might be verbose is estimated both ways and the larger
estimate kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backends.regexes.nodes import CALL_BYTES, CAPTURE_BYTES, CHOICE_BYTES, MAX_STEPS
from backends.regexes.syntax import parse

__all__ = ["MAX_MATCH_MEMORY", "MAX_STEPS", "Estimate", "RegexTooLarge", "estimate"]
# MAX_STEPS is defined with the node algebra (a repeat that crosses it is named as the
# offender) and re-exported here with the rest of the public estimate.

MIB = 1024 * 1024
MAX_MATCH_MEMORY = 128 * MIB
"""Most memory (by :meth:`Estimate.match_memory`) one search may need."""

_MAY_BE_VERBOSE = re.compile(r"\(\?[a-zA-Z0-9-]*x")


class RegexTooLarge(ValueError):
    """The pattern would compile to too large a program, or need too much memory to match."""


def _round(value: int) -> int:
    """``value`` to two significant digits, for "about N" in messages."""
    digits = len(str(value))
    return value if digits <= 2 else round(value, 2 - digits)


@dataclass(frozen=True, slots=True)
class Estimate:
    """Upper bounds of what a pattern costs the ``regex`` module; see :func:`estimate`."""

    steps: int
    """The compiled program's size, in steps (compare with :data:`MAX_STEPS`)."""
    offender: str | None
    """The repeat that makes the pattern too large, as written (``{1000} inside {1000}``)."""
    stacks: tuple[tuple[tuple[int, int, int | None], ...], ...]
    calls: tuple[int, ...]

    @property
    def too_large(self) -> str | None:
        """Why the pattern must not be compiled; None when it may be."""
        if self.steps <= MAX_STEPS:
            return None
        what = (
            f"The repeat {self.offender} would make the regular expression"
            if self.offender
            else "The regular expression would be"
        )
        return (
            f"{what} too large to run (about {_round(self.steps):,} steps; "
            f"at most {MAX_STEPS:,} are allowed)."
        )

    def match_memory(self, length: int) -> int:
        """Bytes a search over ``length`` characters may need at most (beyond the text)."""
        worst = 0
        for stacks, calls in zip(self.stacks, self.calls, strict=True):
            total = calls * length
            for size, width, most in stacks:
                iterations = -(-length // width)
                total += size * (iterations if most is None else min(iterations, most))
            worst = max(worst, total)
        return worst

    def memory_problem(self, length: int) -> str | None:
        """Why a search over ``length`` characters must not run; None when it may."""
        needed = self.match_memory(length)
        if needed <= MAX_MATCH_MEMORY:
            return None
        return (
            f"On a page of {length:,} characters this regular expression could need about "
            f"{_round(-(-needed // MIB)):,} MB of memory (at most {MAX_MATCH_MEMORY // MIB} MB "
            "are allowed): the regex engine keeps state for every repetition of a repeated "
            "group. Repeat single characters or classes instead, e.g. [\\d.]+ rather than "
            "\\d+(?:\\.\\d+)*."
        )


def estimate(pattern: str) -> Estimate:
    """Upper bounds of the compiled size of ``pattern`` and of its match memory."""
    runs = [parse(pattern, verbose=False)]
    if _MAY_BE_VERBOSE.search(pattern):
        runs.append(parse(pattern, verbose=True))
    worst = max(runs, key=lambda node: node.steps)
    offender = worst.offender or (worst.heavy[1] if worst.heavy else None)
    return Estimate(
        steps=worst.steps,
        offender=offender,
        stacks=tuple(tuple(run.stacks) for run in runs),
        calls=tuple(
            run.calls * (CALL_BYTES + CAPTURE_BYTES * run.captures + CHOICE_BYTES * run.choices)
            for run in runs
        ),
    )
