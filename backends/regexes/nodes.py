"""The cost model's node algebra: what a piece of pattern costs, and how pieces combine.

A :class:`Node` holds the costs of an atom, a group, a branch or a repeat; :func:`sequence`,
:func:`alternation` and :func:`repeat` combine them the way the ``regex`` module lays out its
compiled program (see :mod:`backends.regexes.cost`): an atom costs 1 (a character class its
length), a group its body + 1, a repeat ``{m,n}`` its body times ``max(m, n, 1)`` + 1, so
nested repeats multiply. Nodes also carry what a match attempt keeps per iteration of a
repeated group (the byte constants below), and the compile budget :data:`MAX_STEPS` is here
because a repeat that crosses it is named as the offender.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_STEPS = 10_000
"""Most steps a regex may compile to. Measured: 270-800 bytes and 0.25-0.75 µs of compiling per
step (random nested patterns near the budget at worst), so an accepted pattern compiles in
under ~8 MB and ~8 ms. Anitya's default regex counts about 120 steps,
``v?(\\d+(?:\\.\\d+){1,3})`` 18, ``[0-9a-f]{40}`` 241."""

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


@dataclass(slots=True)
class Node:
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


def atom(*, single: bool = False, width: int = 0, steps: int = 1, choices: int = 0) -> Node:
    return Node(steps=steps, width=width, single=single, choices=choices)


def sequence(items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    node = Node(steps=0)
    for item in items:
        _absorb(node, item)
        node.width += item.width
    return node


def alternation(branches: list[Node]) -> Node:
    if len(branches) == 1:
        return branches[0]
    node = Node(steps=len(branches) - 1, choices=len(branches) - 1)
    for branch in branches:
        _absorb(node, branch)
    node.width = min(branch.width for branch in branches)
    return node


def _absorb(node: Node, item: Node) -> None:
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


def repeat(body: Node, low: int, high: int | None, label: str) -> Node:
    factor = max(low, high if high is not None else low, 1)
    steps = body.steps * factor + 1
    offender = body.offender
    if offender is None and steps > MAX_STEPS:
        offender = f"{body.heavy[1]} inside {label}" if body.heavy else label
    node = Node(
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
