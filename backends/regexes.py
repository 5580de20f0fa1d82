"""User regexes: validated when they are entered, run with a time limit when a check uses them.

Projects of the custom backend (and several upstream modules) find versions by running a
regex over a downloaded page. The regex comes from a user and the page from an upstream, so a
pattern like ``(a+)+$`` on a few megabytes could otherwise hold a worker for hours. The
``regex`` package matches with ``re`` semantics (VERSION0) and supports a timeout.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING

import regex

from backends.base import BackendError, ProjectSpec, Release
from backends.upstreams._common import setting

if TYPE_CHECKING:
    from backends.http import HttpClient

try:  # the stdlib parser computes a pattern's match width; used only to refuse useless ones
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_parse as _sre_parse  # type: ignore[no-redef]

# Anitya's default (contract §6.1): `<name>[-_]<version>` followed by an archive extension.
DEFAULT_REGEX = (
    r"(?i)%(name)s(?:[-_]?(?:minsrc|src|source))?[-_]([^-/_\s]+?(?:[-_]"
    r"(?:rc|devel|dev|alpha|beta)\d+)?)(?:[-_](?:minsrc|src|source|asc|release))?\."
    r"(?:tar|t[bglx]z|tbz2|zip)"
)
DEFAULT_ALIAS = "DEFAULT"
NAME_PLACEHOLDER = "%(name)s"
MAX_REGEX_LENGTH = 512
DEFAULT_TIMEOUT = 2.0


class InvalidRegex(ValueError):
    """A user regex cannot be used; the message says why, for the form field."""


def default_regex() -> str:
    """The operator's DEFAULT_REGEX setting, else Anitya's."""
    return str(setting("DEFAULT_REGEX") or DEFAULT_REGEX)


@lru_cache(maxsize=256)
def _compile(pattern: str) -> regex.Pattern:
    return regex.compile(pattern, regex.VERSION0)


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
        _compile(concrete)
    except regex.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        raise InvalidRegex(f"Invalid regular expression: {error.msg}{where}.") from None
    except (ValueError, OverflowError, RecursionError) as error:
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


def _version_of(match: regex.Match) -> str:
    groups = match.groups()
    if not groups:
        return match.group(0)
    if len(groups) == 1:
        return groups[0] or ""
    # Anitya joins findall's tuples with "." skipping empty groups (`(\d+)_(\d+)` -> "1.2").
    return ".".join(group for group in groups if group)


def find_versions(pattern: str, text: str, *, timeout: float | None = None) -> list[str]:
    """Every distinct version ``pattern`` finds in ``text``, in first-seen order.

    Like ``re.findall`` (one group: that group; several: joined with "."), but empty matches
    are dropped (they are never versions, and an empty-matching regex would otherwise yield
    one per character) and the whole search stops after ``timeout`` seconds
    (settings.REGEX_TIMEOUT by default), raising :class:`BackendError`. The regex package
    measures that limit in CPU time of the process (C ``clock()``): it bounds the work a
    hostile pattern can cost, while the wall time on a busy machine may be longer.
    """
    if timeout is None:
        timeout = float(setting("REGEX_TIMEOUT", DEFAULT_TIMEOUT))
    try:
        compiled = _compile(pattern)
    except (regex.error, ValueError, OverflowError, RecursionError) as error:
        raise BackendError(f"Invalid regular expression {pattern!r}: {error}") from None
    found: dict[str, None] = {}
    try:
        for match in compiled.finditer(text, timeout=timeout):
            version = _version_of(match)
            if version:
                found.setdefault(version, None)
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
    """
    for version in versions:
        if any(char.isspace() for char in version):
            raise BackendError(
                f"{spec.name}: invalid upstream version:>{version}< - {url} - {pattern}"
            )
    if not versions:
        raise BackendError(f"{spec.name}: no upstream version found. - {url} - {pattern}")
    return [Release(version) for version in versions]
