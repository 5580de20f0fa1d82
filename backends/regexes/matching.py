"""Validating user regexes, running them with time and memory limits, and the default regex.

See the package docstring (:mod:`backends.regexes`) for the limits.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import regex

from backends.base import BackendError, ProjectSpec, Release
from backends.config import DEFAULT_REGEX, DEFAULT_REGEX_TIMEOUT, current
from backends.http import display_url
from backends.regexes.cache import compile_within_budget
from backends.regexes.cost import Estimate, RegexTooLarge

if TYPE_CHECKING:
    from backends.http import HttpClient

# The stdlib parser computes a pattern's match width; used only to refuse useless ones.
import re._parser as _sre_parse  # type: ignore[import-not-found]  # typeshed: only sre_parse

DEFAULT_ALIAS = "DEFAULT"
NAME_PLACEHOLDER = "%(name)s"
MAX_REGEX_LENGTH = 512
# Anitya's default regex (DEFAULT_REGEX) and this default time limit are defined with the
# other settings' defaults in backends.config; kept here under the names regexes exports.
DEFAULT_TIMEOUT = DEFAULT_REGEX_TIMEOUT


_TOO_MUCH_MEMORY = "The regular expression needs too much memory to compile; simplify it."


class InvalidRegex(ValueError):
    """A user regex cannot be used; the message says why, for the form field."""


def default_regex() -> str:
    """The operator's DEFAULT_REGEX setting, else Anitya's."""
    return current().default_regex or DEFAULT_REGEX


def _compile(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled, within the budget (raises :class:`RegexTooLarge` over it)."""
    return compile_within_budget(pattern)[0]


def validate_user_regex(pattern: str) -> None:
    """Refuse a regex a user enters that could never work; raise :class:`InvalidRegex`.

    Empty and ``DEFAULT`` mean "the default regex" and are fine. A pattern that can match the
    empty string is legal (``(.*)`` finds versions in Anitya), but one that can ONLY match the
    empty string (``()``, ``\\b``, ``^$``) would never find a version, so it is refused.
    """
    if not pattern or pattern.strip() == DEFAULT_ALIAS:
        return
    if len(pattern) > MAX_REGEX_LENGTH:
        raise InvalidRegex(
            f"The regular expression is {len(pattern)} characters long; "
            f"at most {MAX_REGEX_LENGTH} are allowed."
        )
    concrete = pattern.replace(NAME_PLACEHOLDER, "name")
    try:
        _compile(concrete)  # the size estimate first: a pattern over the budget is not compiled
    except RegexTooLarge as error:
        raise InvalidRegex(str(error)) from None
    except regex.error as error:
        position = error.pos  # type: ignore[attr-defined]  # regex sets it; stubs omit it
        where = f" at position {position}" if position is not None else ""
        message = error.msg  # type: ignore[attr-defined]  # regex sets it; stubs omit it
        raise InvalidRegex(f"Invalid regular expression: {message}{where}.") from None
    except MemoryError:
        raise InvalidRegex(_TOO_MUCH_MEMORY) from None
    except RecursionError:
        raise InvalidRegex("The regular expression is nested too deeply.") from None
    except (ValueError, OverflowError) as error:
        raise InvalidRegex(f"Invalid regular expression: {error}.") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _min_width, max_width = _sre_parse.parse(concrete).getwidth()
    except Exception:  # syntax only `regex` knows (\p{L}, ...): skip this extra check
        return
    if max_width == 0:
        raise InvalidRegex(
            "The regular expression can only match an empty string, so it would never "
            "find a version."
        )


def project_regex(regex_: str | None, name: str) -> str:
    """The pattern a check runs: the project's regex (or the default) with its name in it.

    ``%(name)s`` becomes the regex-escaped project name: Anitya only escaped ``+``, escaping
    everything is the safe superset (a name like ``c++`` or ``foo.bar`` matches literally).
    """
    base = regex_ if regex_ and regex_.strip() and regex_.strip() != DEFAULT_ALIAS else None
    pattern = base if base is not None else default_regex()
    return pattern.replace(NAME_PLACEHOLDER, re.escape(name))


# -- the default regex without a compilation per project ----------------------------------------
#
# project_regex() writes the project's name into the default pattern, so every project has its
# own pattern, and compiling one costs about a millisecond: more than the rest of a check that
# gets a page answered. The pattern starts with the name (``(?i)<name><tail>``), so the tail is
# compiled once, and matches are found as the regex engine would find them: at each place the
# name occurs (left to right, overlapping places included), the tail is tried right after it;
# a match resumes the search at its end.

# The characters re.escape() puts a backslash in front of (Python 3.7+).
_ESCAPED = frozenset("()[]{}?*+-|^$\\.&~# \t\n\r\v\f")
# Under (?i) the regex module matches these non-ASCII letters with ASCII ones: the Kelvin sign
# with k, the long s with s (both ways), and, one way only, U+0130 with i and U+0131 with I
# (tests/backends/test_regexes.py checks this list against the regex module).
_FOLD_TO_ASCII = str.maketrans(
    {**{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}, "\u212a": "k", "\u017f": "s"}
)
_DOTTED_I = ("\u0130", "\u0131")
_INLINE_FLAGS = re.compile(r"\(\?[-\w]+\)")


def _name_template(template: str) -> tuple[str, str] | None:
    """(flags, tail) of a default regex that starts with the name: ``(?i)%(name)s<tail>``."""
    if template.count(NAME_PLACEHOLDER) != 1:
        return None
    flags, tail = template.split(NAME_PLACEHOLDER)
    if flags not in ("", "(?i)") or not tail:
        return None
    # \G means "where the search resumed", which this way of searching would change; an
    # inline flag group in the tail might reach back to the name.
    if "\\G" in tail or _INLINE_FLAGS.search(tail):
        return None
    return flags, tail


def _literal(escaped: str) -> str | None:
    """The text a re.escape()d string stands for; None if it is anything but literal."""
    chars: list[str] = []
    pending_backslash = False
    for char in escaped:
        if pending_backslash:
            if char not in _ESCAPED:
                return None
            chars.append(char)
            pending_backslash = False
        elif char == "\\":
            pending_backslash = True
        elif char in _ESCAPED:
            return None
        else:
            chars.append(char)
    return None if pending_backslash else "".join(chars)


def _named_default(pattern: str) -> tuple[str, str, str] | None:
    """(flags, name, tail) when ``pattern`` is the default regex with a printable ASCII name
    written in (project_regex); None for any other pattern."""
    parts = _name_template(default_regex())
    if parts is None:
        return None
    flags, tail = parts
    if len(pattern) <= len(flags) + len(tail):
        return None
    if not (pattern.startswith(flags) and pattern.endswith(tail)):
        return None
    name = _literal(pattern[len(flags) : len(pattern) - len(tail)])
    if not name or not all(" " <= char <= "~" for char in name):
        return None
    return flags, name, tail


def _name_matches(
    flags: str, name: str, tail: regex.Pattern[str], text: str, timeout: float
) -> Iterator[tuple[int, regex.Match[str]]] | None:
    """(start, tail match) of each match of ``flags + escape(name) + tail`` in ``text``, in
    the order finditer gives them; None when the text holds a letter that folds differently
    with the name's i (then the whole pattern is compiled)."""
    if flags:
        if ("i" in name or "I" in name) and any(char in text for char in _DOTTED_I):
            return None
        haystack = text.lower() if text.isascii() else text.translate(_FOLD_TO_ASCII)
        needle = name.lower()
    else:
        haystack, needle = text, name
    return _scan(haystack, needle, tail, text, timeout)


def _scan(
    haystack: str, needle: str, tail: regex.Pattern[str], text: str, timeout: float
) -> Iterator[tuple[int, regex.Match[str]]]:
    deadline = time.process_time() + timeout  # the regex module's timeout is CPU time too
    position = 0
    while (start := haystack.find(needle, position)) >= 0:
        left = deadline - time.process_time()
        if left <= 0:
            raise TimeoutError
        match = tail.match(text, start + len(needle), timeout=left)
        if match is None:
            position = start + 1
            continue
        yield start, match
        position = max(match.end(), start + 1)


def _runnable(pattern: str, text: str) -> regex.Pattern[str]:
    """``pattern`` compiled within the budget, once its search over ``text`` is known to fit in
    the match-memory budget; raises :class:`RegexTooLarge` otherwise.

    Matching memory grows with the text: the regex module keeps a backtracking entry and the
    captures for every iteration of a repeated group (``(a)*`` over a million "a" holds ~160
    MB, and 32 MiB pages are allowed). The simplest bound that changes no result is to refuse
    the rare search whose estimate (:meth:`Estimate.match_memory`: per iteration of each
    repeated group, at most one per character of the text) exceeds the budget: repeats of
    single characters or classes, such as every repeat of the default regex, cost nothing per
    iteration and run over any page; ``\\d+(?:\\.\\d+)*`` runs over 1.6 million characters.
    Splitting the text instead would change what patterns spanning the cuts find.
    """
    compiled, cost = compile_within_budget(pattern)
    _check_memory(cost, len(text))
    return compiled


def _check_memory(cost: Estimate, length: int) -> None:
    problem = cost.memory_problem(length)
    if problem is not None:
        raise RegexTooLarge(problem)


def _matches(
    pattern: str, text: str, timeout: float
) -> Iterator[tuple[str, tuple[str | None, ...]]]:
    """(whole match, groups) of each match of ``pattern`` in ``text``, as finditer finds them."""
    named = _named_default(pattern)
    if named is not None:
        flags, name, tail = named
        found = _name_matches(flags, name, _runnable(flags + tail, text), text, timeout)
        if found is not None:
            for start, match in found:
                yield text[start : match.end()], match.groups()
            return
    for match in _runnable(pattern, text).finditer(text, timeout=timeout):
        yield match.group(0), match.groups()


def _version_of(whole: str, groups: tuple[str | None, ...]) -> str:
    if not groups:
        return whole
    if len(groups) == 1:
        return groups[0] or ""
    # Anitya joins findall's tuples with "." skipping empty groups (`(\d+)_(\d+)` -> "1.2").
    return ".".join(group for group in groups if group)


def find_versions(pattern: str, text: str, *, timeout: float | None = None) -> list[str]:
    """Every distinct version ``pattern`` finds in ``text``, in first-seen order.

    Like ``re.findall`` (one group: that group; several: joined with "."), but empty matches
    are dropped (they are never versions, and an empty-matching regex would otherwise yield
    one per character) and the whole search stops after ``timeout`` seconds
    (the configured REGEX_TIMEOUT by default), raising :class:`BackendError`. The regex package
    measures that limit in CPU time of the process (C ``clock()``): it bounds the work a
    hostile pattern can cost, while the wall time on a busy machine may be longer.

    A pattern over the size budget is never compiled, and a search over the match-memory
    budget never starts (:class:`BackendError` with the reason); running out of memory or
    recursion inside the regex module is a :class:`BackendError` too.
    """
    if timeout is None:
        timeout = current().regex_timeout
    found: dict[str, None] = {}
    try:
        for whole, groups in _matches(pattern, text, timeout):
            version = _version_of(whole, groups)
            if version:
                found.setdefault(version, None)
    except RegexTooLarge as error:
        raise BackendError(str(error)) from None
    except MemoryError:
        size = len(text.encode("utf-8", errors="replace"))
        raise BackendError(
            f"The regular expression needed too much memory on {size} bytes; simplify the regex"
        ) from None
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        raise BackendError(f"Invalid regular expression {pattern!r}: {error}") from None
    except TimeoutError:
        size = len(text.encode("utf-8", errors="replace"))
        raise BackendError(
            f"The regular expression took too long on {size} bytes "
            f"(limit {timeout:g} s); simplify the regex"
        ) from None
    return list(found)


def versions_by_regex(http: HttpClient, url: str, pattern: str, spec: ProjectSpec) -> list[Release]:
    """Anitya's get_versions_by_regex: the versions ``pattern`` finds on the page at ``url``.

    The request is conditional (NotModified propagates); fetch errors keep the client's
    message, which names the URL.
    """
    return releases_from(
        find_versions(pattern, http.get_text(url, conditional=True)), spec, url, pattern
    )


def releases_from(versions: list[str], spec: ProjectSpec, url: str, pattern: str) -> list[Release]:
    """Releases for the version strings a regex found, with Anitya's error messages.

    A match containing whitespace means the regex caught text, not a version; none at all
    means the page does not (or no longer does) list releases the way the project expects.
    Each message starts as Anitya's did (``<name>: no upstream version found.``,
    ``<name>: invalid upstream version:>v<``), then says in plain words what to try.
    """
    shown_url, shown_regex = display_url(url), _clip(pattern, _MAX_REGEX_IN_MESSAGE)
    for version in versions:
        if any(char.isspace() for char in version):
            caught = _clip(" ".join(version.split()), 60)
            raise BackendError(
                f"{spec.name}: invalid upstream version:>{_clip(version, 60)}<. The regular "
                f'expression {shown_regex} caught "{caught}" on {shown_url}, which has spaces, '
                "so it is text rather than a version. Make the regex catch the version only."
            )
    if not versions:
        raise BackendError(
            f"{spec.name}: no upstream version found. The page {shown_url} was read, but the "
            f"regular expression {shown_regex} found no version on it. Check the regex against "
            "the page (Test check shows what it finds)."
        )
    return [Release(version) for version in versions]


#: A user regex may be 512 characters long; messages show its start.
_MAX_REGEX_IN_MESSAGE = 100


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
