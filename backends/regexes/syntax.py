"""The walk over a pattern's text: a small tokenizer that reads it as the ``regex`` module would.

:func:`parse` reads a pattern into the :class:`~backends.regexes.nodes.Node` of its costs. It
understands what the ``regex`` module reads under VERSION0: escapes (``\\p{..}``, ``\\N{..}``,
``\\x..``, octal, backreferences), classes (``[]..]``, ``[^]..]``, ``[[:alpha:]]``), every
kind of group (``(?:``, ``(?P<n>``, ``(?<n>``, ``(?>``, ``(?|``, lookarounds, conditionals,
scoped and global flags, ``(?#..)`` comments, recursion ``(?R)``/``(?1)``/``(?&n)``, verbs
``(*SKIP)``), quantifiers ``* + ? {m} {m,} {,n} {m,n} {,}`` with lazy and possessive suffixes,
a ``{`` that is not a quantifier (a literal, or a fuzzy constraint), and verbose mode
(``(?x)``, where whitespace and ``#`` comments are skipped, even inside a quantifier's braces).
It never raises: text the module would reject still gets an estimate, and the compile reports
the syntax error. A global ``(?x)`` is transparent here: the caller decides whether the whole
pattern is read in verbose mode (see :func:`~backends.regexes.cost.estimate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from backends.regexes.nodes import Node, alternation, atom, repeat, sequence

_SPACE = frozenset(" \t\n\r\f\v")
_DIGITS = frozenset("0123456789")
_OCTAL = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_ZERO_WIDTH_ESCAPES = frozenset("bBAZzGmMK")
_HEX_LENGTHS = {"x": 2, "u": 4, "U": 8}
_FLAG = frozenset("aiLmsuxVwbefpr0123456789")  # what may appear in a (?flags) group
_BRACES = re.compile(r"(\d*)(?:(,)(\d*))?")
_BIG = 10**12  # counts beyond this are refused by the module anyway ("repeat count too big")


@dataclass(slots=True)
class _Frame:
    kind: str  # "top", "plain", "capture", "look", "atomic", "reset", "cond"
    verbose: bool
    branches: list[Node] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)

    def end_branch(self) -> None:
        self.branches.append(sequence(self.items) if self.items else atom(steps=0))
        self.items = []

    def close(self) -> Node:
        self.end_branch()
        body = alternation(self.branches)
        if self.kind == "top":
            return body
        node = Node(
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


def _escape(pattern: str, index: int) -> tuple[Node, int]:
    """The atom of the escape at ``index`` (a backslash) and the index after it."""
    end = len(pattern)
    if index + 1 >= end:
        return atom(single=True, width=1), end
    char = pattern[index + 1]
    after = index + 2
    if char in "pPN":
        if after < end and pattern[after] == "{":
            return atom(single=True, width=1), _through(pattern, after, "}")
        return atom(single=True, width=1), min(after + (char != "N"), end)
    if char in _HEX_LENGTHS:
        stop = after
        while stop < min(after + _HEX_LENGTHS[char], end) and pattern[stop] in _HEX:
            stop += 1
        return atom(single=True, width=1), stop
    if char in "gL" and after < end and pattern[after] == "<":  # \g<name>, \L<list>
        return atom(choices=1), _through(pattern, after, ">")
    if char in _DIGITS:
        three = pattern[index + 1 : index + 4]
        if char == "0" or (len(three) == 3 and set(three) <= _OCTAL):  # octal: \0, \141
            stop = after
            while stop < min(index + 4, end) and pattern[stop] in _OCTAL:
                stop += 1
            return atom(single=True, width=1), stop
        stop = after + (after < end and pattern[after] in _DIGITS)
        return atom(choices=1), stop  # a backreference: any width
    if char in _ZERO_WIDTH_ESCAPES:
        return atom(), after
    if char == "X":  # a grapheme cluster: one or more characters
        return atom(width=1, choices=1), after
    return atom(single=True, width=1), after


def _character_class(pattern: str, index: int) -> tuple[Node, int]:
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
    return atom(single=True, width=1, steps=max(1, position - index - 2)), position


def _flags_verbose(flags: str, current: bool) -> bool:
    on, _, off = flags.partition("-")
    if "x" in off:
        return False
    return True if "x" in on else current


def parse(pattern: str, verbose: bool) -> Node:
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
                frame.items.append(atom(single=True, width=1))
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
                frame.items.append(atom(single=True, width=1))
                continue
            low, high, index, label = quantifier
            if index < end and pattern[index] in "?+":  # lazy or possessive
                index += 1
            if frame.items:  # else "nothing to repeat", which the compile reports
                frame.items[-1] = repeat(frame.items[-1], low, high, label)
        elif char in "^$":
            index += 1
            frame.items.append(atom())
        else:  # `.` or a literal character
            index += 1
            frame.items.append(atom(single=True, width=1))
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
        frame.items.append(atom(choices=1))
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
        frame.items.append(atom(choices=1))
        return _through(pattern, start, ")")
    if (
        kind_char in ("&", "R")
        or kind_char in _DIGITS
        or (kind_char == "P" and nxt == ">")
        or (kind_char in ("+", "-") and nxt in _DIGITS)
    ):  # a recursion call
        node = atom(choices=1)
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
    if pattern[stop : stop + 1] == ")":  # global flags: transparent (see cost.estimate())
        return stop + 1
    frames.append(_Frame("plain", frame.verbose))  # unknown: the compile will say
    return start
