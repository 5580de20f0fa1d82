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
that from the pattern and the length of the text (see the byte constants below), and a search
that could exceed :data:`MAX_MATCH_MEMORY` is refused before it starts.

The tokenizer understands what the ``regex`` module reads under VERSION0: escapes (``\\p{..}``,
``\\N{..}``, ``\\x..``, octal, backreferences), classes (``[]..]``, ``[^]..]``, ``[[:alpha:]]``),
every kind of group (``(?:``, ``(?P<n>``, ``(?<n>``, ``(?>``, ``(?|``, lookarounds,
conditionals, scoped and global flags, ``(?#..)`` comments, recursion ``(?R)``/``(?1)``/
``(?&n)``, verbs ``(*SKIP)``), quantifiers ``* + ? {m} {m,} {,n} {m,n} {,}`` with lazy and
possessive suffixes, a ``{`` that is not a quantifier (a literal, or a fuzzy constraint), and
verbose mode (``(?x)``, where whitespace and ``#`` comments are skipped, even inside a
quantifier's braces). It never raises: text the module would reject still gets an estimate,
and the compile reports the syntax error. Because a global ``(?x)`` anywhere switches verbose
mode on for the whole pattern, a pattern that might be verbose is estimated both ways and the
larger estimate kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_STEPS = 10_000
"""Most steps a regex may compile to. Measured: 270-800 bytes and 0.25-0.75 µs of compiling per
step (random nested patterns near the budget at worst), so an accepted pattern compiles in
under ~8 MB and ~8 ms. Anitya's default regex counts about 120 steps,
``v?(\\d+(?:\\.\\d+){1,3})`` 18, ``[0-9a-f]{40}`` 241."""

MIB = 1024 * 1024
MAX_MATCH_MEMORY = 128 * MIB
"""Most memory (by :meth:`Estimate.match_memory`) one search may need."""

# Bytes the regex module keeps per iteration of a repeated group while it tries a match,
# measured with regex 2026.11 on CPython 3.11 (growth of the peak resident memory, VmHWM, over
# 0.3-4 million iterations; it grows linearly) and rounded up by about a quarter: 127 per
# iteration (`(?:ab)*`, `(\d+(?:\.\d+)*)`, `(?:a|aa)*`), about 65 more per capture group in
# the body (`(a)*` 171, `(?:(a)(b))*` 264, eight nested groups 647); a recursion level costs
# 295-387 (`a(?R)?`, `(a(?1)?)`). A repeat of a single character or class (`a*`, `[\d.]+`,
# `\w{1,4}`) costs nothing per iteration.
ITERATION_BYTES = 160
CAPTURE_BYTES = 80
CHOICE_BYTES = 40
CALL_BYTES = 512

_SPACE = frozenset(" \t\n\r\f\v")
_DIGITS = frozenset("0123456789")
_OCTAL = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_ZERO_WIDTH_ESCAPES = frozenset("bBAZzGmMK")
_HEX_LENGTHS = {"x": 2, "u": 4, "U": 8}
_FLAG = frozenset("aiLmsuxVwbefpr0123456789")  # what may appear in a (?flags) group
_BRACES = re.compile(r"(\d*)(?:(,)(\d*))?")
_MAY_BE_VERBOSE = re.compile(r"\(\?[a-zA-Z0-9-]*x")
_BIG = 10**12  # counts beyond this are refused by the module anyway ("repeat count too big")


class RegexTooLarge(ValueError):
    """The pattern would compile to too large a program, or need too much memory to match."""


@dataclass(slots=True)
class _Node:
    """Costs of a piece of pattern (an atom, a group, a branch, a repeat...)."""

    steps: int = 1
    width: int = 0  # fewest characters it matches
    single: bool = False  # always exactly one character (a literal, a class, \d, .)
    captures: int = 0
    choices: int = 0  # backtracking points other than captures: groups, repeats, `|`...
    stacks: list[tuple[int, int, int | None]] = field(default_factory=list)
    # ^ one per repeated group: (bytes per iteration, fewest characters per iteration, most
    #   iterations per match attempt or None when only the text bounds them)
    calls: int = 0  # recursion calls: each level costs like an iteration, once per character
    heavy: tuple[int, str] | None = None  # the costliest repeat inside: (steps, as written)
    offender: str | None = None  # the first repeat that crossed MAX_STEPS, described


def _atom(*, single: bool = False, width: int = 0, steps: int = 1, choices: int = 0) -> _Node:
    return _Node(steps=steps, width=width, single=single, choices=choices)


def _sequence(items: list[_Node]) -> _Node:
    if len(items) == 1:
        return items[0]
    node = _Node(steps=0)
    for item in items:
        _absorb(node, item)
        node.width += item.width
    return node


def _alternation(branches: list[_Node]) -> _Node:
    if len(branches) == 1:
        return branches[0]
    node = _Node(steps=len(branches) - 1, choices=len(branches) - 1)
    for branch in branches:
        _absorb(node, branch)
    node.width = min(branch.width for branch in branches)
    return node


def _absorb(node: _Node, item: _Node) -> None:
    node.steps += item.steps
    node.captures += item.captures
    node.choices += item.choices
    node.stacks.extend(item.stacks)
    node.calls += item.calls
    if item.heavy is not None and (node.heavy is None or item.heavy[0] > node.heavy[0]):
        node.heavy = item.heavy
    if node.offender is None:
        node.offender = item.offender


def _times(count: int | None, factor: int | None) -> int | None:
    return None if count is None or factor is None else count * factor


def _repeat(body: _Node, low: int, high: int | None, label: str) -> _Node:
    factor = max(low, high if high is not None else low, 1)
    steps = body.steps * factor + 1
    offender = body.offender
    if offender is None and steps > MAX_STEPS:
        offender = f"{body.heavy[1]} inside {label}" if body.heavy else label
    node = _Node(
        steps=steps,
        width=body.width * low,
        captures=body.captures,
        choices=body.choices + (not body.single),  # `(?:\d+\.)*` costs as `(?:ab)*`
        stacks=[(size, width, _times(most, high)) for size, width, most in body.stacks],
        calls=body.calls,
        heavy=(steps, label),
        offender=offender,
    )
    if not body.single and (high is None or high > 1):
        size = ITERATION_BYTES + CAPTURE_BYTES * body.captures + CHOICE_BYTES * body.choices
        node.stacks.append((size, max(1, body.width), high))
    return node


@dataclass(slots=True)
class _Frame:
    kind: str  # "top", "plain", "capture", "look", "atomic", "reset", "cond"
    verbose: bool
    branches: list[_Node] = field(default_factory=list)
    items: list[_Node] = field(default_factory=list)

    def end_branch(self) -> None:
        self.branches.append(_sequence(self.items) if self.items else _atom(steps=0))
        self.items = []

    def close(self) -> _Node:
        self.end_branch()
        body = _alternation(self.branches)
        if self.kind == "top":
            return body
        node = _Node(
            steps=body.steps + 1,
            width=body.width,
            single=body.single and self.kind == "plain",
            captures=body.captures + (self.kind == "capture"),
            choices=body.choices + (self.kind in ("look", "atomic", "cond")),
            stacks=body.stacks,
            calls=body.calls,
            heavy=body.heavy,
            offender=body.offender,
        )
        if self.kind == "look" or (self.kind == "cond" and len(self.branches) < 2):
            node.width = 0
        return node


def _skip_verbose(pattern: str, index: int) -> int:
    """The index of the next character that counts in verbose mode."""
    while index < len(pattern):
        char = pattern[index]
        if char in _SPACE:
            index += 1
        elif char == "#":
            newline = pattern.find("\n", index)
            index = len(pattern) if newline < 0 else newline + 1
        else:
            break
    return index


def _through(pattern: str, index: int, char: str) -> int:
    """The index after the first ``char`` at or after ``index`` (the end if there is none)."""
    found = pattern.find(char, index)
    return len(pattern) if found < 0 else found + 1


def _braces(pattern: str, index: int, verbose: bool) -> tuple[int, int | None, int, str] | None:
    """(min, max, index after, label) of the quantifier ``{..}`` at ``index``; None when the
    brace is a literal (or a fuzzy constraint)."""
    content: list[str] = []
    position = index + 1
    while True:
        if verbose:
            position = _skip_verbose(pattern, position)
        if position >= len(pattern):
            return None
        char = pattern[position]
        position += 1
        if char == "}":
            break
        if char not in _DIGITS and char != ",":
            return None
        content.append(char)
    text = "".join(content)
    match = _BRACES.fullmatch(text)
    if not text or match is None:
        return None
    low_text, comma, high_text = match.groups()
    low = min(int(low_text[:13]), _BIG) if low_text else 0
    if comma is None:
        high: int | None = low
    else:
        high = min(int(high_text[:13]), _BIG) if high_text else None
    return low, high, position, "{" + text + "}"


def _escape(pattern: str, index: int) -> tuple[_Node, int]:
    """The atom of the escape at ``index`` (a backslash) and the index after it."""
    end = len(pattern)
    if index + 1 >= end:
        return _atom(single=True, width=1), end
    char = pattern[index + 1]
    after = index + 2
    if char in "pPN":
        if after < end and pattern[after] == "{":
            return _atom(single=True, width=1), _through(pattern, after, "}")
        return _atom(single=True, width=1), min(after + (char != "N"), end)
    if char in _HEX_LENGTHS:
        stop = after
        while stop < min(after + _HEX_LENGTHS[char], end) and pattern[stop] in _HEX:
            stop += 1
        return _atom(single=True, width=1), stop
    if char in "gL" and after < end and pattern[after] == "<":  # \g<name>, \L<list>
        return _atom(choices=1), _through(pattern, after, ">")
    if char in _DIGITS:
        three = pattern[index + 1 : index + 4]
        if char == "0" or (len(three) == 3 and set(three) <= _OCTAL):  # octal: \0, \141
            stop = after
            while stop < min(index + 4, end) and pattern[stop] in _OCTAL:
                stop += 1
            return _atom(single=True, width=1), stop
        stop = after + (after < end and pattern[after] in _DIGITS)
        return _atom(choices=1), stop  # a backreference: any width
    if char in _ZERO_WIDTH_ESCAPES:
        return _atom(), after
    if char == "X":  # a grapheme cluster: one or more characters
        return _atom(width=1, choices=1), after
    return _atom(single=True, width=1), after


def _character_class(pattern: str, index: int) -> tuple[_Node, int]:
    """The atom of the class ``[..]`` at ``index`` and the index after it."""
    end = len(pattern)
    position = index + 1
    if position < end and pattern[position] == "^":
        position += 1
    if position < end and pattern[position] == "]":  # `[]a]`, `[^]a]`: a literal ]
        position += 1
    while position < end:
        char = pattern[position]
        if char == "\\":
            position += 2
        elif char == "[" and pattern.startswith(":", position + 1):
            close = pattern.find(":]", position + 2)
            position = position + 1 if close < 0 else close + 2
        elif char == "]":
            position += 1
            break
        else:
            position += 1
    position = min(position, end)
    return _atom(single=True, width=1, steps=max(1, position - index - 2)), position


def _flags_verbose(flags: str, current: bool) -> bool:
    on, _, off = flags.partition("-")
    if "x" in off:
        return False
    return True if "x" in on else current


def _parse(pattern: str, verbose: bool) -> _Node:
    """The costs of ``pattern`` read with verbose mode ``verbose`` outside scoped flags."""
    frames = [_Frame("top", verbose)]
    end = len(pattern)
    index = 0
    while index < end:
        frame = frames[-1]
        if frame.verbose:
            index = _skip_verbose(pattern, index)
            if index >= end:
                break
        char = pattern[index]
        if char == "\\":
            node, index = _escape(pattern, index)
            frame.items.append(node)
        elif char == "[":
            node, index = _character_class(pattern, index)
            frame.items.append(node)
        elif char == "(":
            index = _open_group(pattern, index, frames)
        elif char == ")":
            index += 1
            if len(frames) > 1:
                frames.pop()
                frames[-1].items.append(frame.close())
            else:  # unbalanced: the compile will say so
                frame.items.append(_atom(single=True, width=1))
        elif char == "|":
            index += 1
            frame.end_branch()
        elif char in "*+?{":
            quantifier = (
                _braces(pattern, index, frame.verbose)
                if char == "{"
                else (0 if char != "+" else 1, 1 if char == "?" else None, index + 1, char)
            )
            if quantifier is None:  # a literal {
                index += 1
                frame.items.append(_atom(single=True, width=1))
                continue
            low, high, index, label = quantifier
            if index < end and pattern[index] in "?+":  # lazy or possessive
                index += 1
            if frame.items:  # else "nothing to repeat", which the compile reports
                frame.items[-1] = _repeat(frame.items[-1], low, high, label)
        elif char in "^$":
            index += 1
            frame.items.append(_atom())
        else:  # `.` or a literal character
            index += 1
            frame.items.append(_atom(single=True, width=1))
    while len(frames) > 1:  # unterminated groups: the compile will say so
        frame = frames.pop()
        frames[-1].items.append(frame.close())
    return frames[0].close()


def _open_group(pattern: str, index: int, frames: list[_Frame]) -> int:
    """Read the opening of a group at ``index``; push its frame (or add its atom)."""
    frame = frames[-1]
    end = len(pattern)
    following = pattern[index + 1 : index + 2]
    if following == "*":  # a verb: (*SKIP), (*FAIL)...
        frame.items.append(_atom(choices=1))
        return _through(pattern, index, ")")
    if following != "?":
        frames.append(_Frame("capture", frame.verbose))
        return index + 1
    start = index + 2
    kind_char = pattern[start : start + 1]
    nxt = pattern[start + 1 : start + 2]
    if kind_char == "#":  # a comment: transparent, up to the first )
        return _through(pattern, start, ")")
    if kind_char == ":":
        frames.append(_Frame("plain", frame.verbose))
        return start + 1
    if kind_char in (">", "|"):
        frames.append(_Frame("atomic" if kind_char == ">" else "reset", frame.verbose))
        return start + 1
    if kind_char in ("=", "!") or (kind_char == "<" and nxt in ("=", "!")):
        frames.append(_Frame("look", frame.verbose))
        return start + 1 + (kind_char == "<")
    if kind_char == "<" or (kind_char == "P" and nxt == "<"):  # a named group
        frames.append(_Frame("capture", frame.verbose))
        return _through(pattern, start, ">")
    if kind_char == "P" and nxt == "=":  # (?P=name): a backreference
        frame.items.append(_atom(choices=1))
        return _through(pattern, start, ")")
    if (
        kind_char in ("&", "R")
        or kind_char in _DIGITS
        or (kind_char == "P" and nxt == ">")
        or (kind_char in ("+", "-") and nxt in _DIGITS)
    ):  # a recursion call
        node = _atom(choices=1)
        node.calls = 1
        frame.items.append(node)
        return _through(pattern, start, ")")
    if kind_char == "(":  # a conditional: (?(1)yes|no), (?(<name>)..), (?(?=x)yes|no)
        frames.append(_Frame("cond", frame.verbose))
        if nxt == "?":  # the condition is a lookaround, read as the group it is
            return start
        return _through(pattern, start, ")")
    stop = start
    while stop < end and (pattern[stop] in _FLAG or pattern[stop] == "-"):
        stop += 1
    flags = pattern[start:stop]
    if pattern[stop : stop + 1] == ":":  # scoped flags (?i:..), (?x:..), (?-x:..)
        frames.append(_Frame("plain", _flags_verbose(flags, frame.verbose)))
        return stop + 1
    if pattern[stop : stop + 1] == ")":  # global flags: transparent (see estimate())
        return stop + 1
    frames.append(_Frame("plain", frame.verbose))  # unknown: the compile will say
    return start


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
    runs = [_parse(pattern, verbose=False)]
    if _MAY_BE_VERBOSE.search(pattern):
        runs.append(_parse(pattern, verbose=True))
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
