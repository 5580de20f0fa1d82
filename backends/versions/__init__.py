"""Version schemes: how raw upstream strings are cleaned, ordered and told apart as pre-releases.

Four schemes, stored by their exact Anitya names: `RPM` (the default), `Semantic`, `Calendar`
and `Python (PEP 440)`. Every scheme orders versions through a ``sort_key`` tuple, so each one
is a consistent total preorder over arbitrary strings (see :mod:`backends.versions.base`).

Which scheme a project uses (its own, its ecosystem's, its backend's) is decided by
:func:`backends.registry.resolve_scheme_name`, which knows the backends. Typical use by the
pipeline::

    scheme = registry.resolve_scheme_name(spec.version_scheme, spec.ecosystem_name, spec.backend)
    versions = sort_versions(
        make_version(raw, scheme=scheme, version_prefix=..., pre_release_filter=...,
                     version_pattern=...)
        for raw in raws if not is_filtered(raw, spec.version_filter, spec.version_prefix)
    )
"""

from __future__ import annotations

from collections.abc import Iterable

from backends.versions.base import (
    Version,
    is_filtered,
    matches_pre_release_filter,
    split_entries,
    strip_prefixes,
)
from backends.versions.calendar import CalendarVersion, InvalidCalendarPattern, validate_pattern
from backends.versions.levels import Change, change_level, release_numbers
from backends.versions.pep440 import Pep440Version
from backends.versions.rpm import RpmVersion, rpm_sort_key, rpm_vercmp
from backends.versions.semantic import SemanticVersion

__all__ = [
    "DEFAULT_SCHEME",
    "SCHEME_NAMES",
    "CalendarVersion",
    "Change",
    "InvalidCalendarPattern",
    "Pep440Version",
    "RpmVersion",
    "SemanticVersion",
    "UnknownVersionScheme",
    "Version",
    "canonical_scheme_name",
    "change_level",
    "get_scheme",
    "is_filtered",
    "make_version",
    "matches_pre_release_filter",
    "release_numbers",
    "rpm_sort_key",
    "rpm_vercmp",
    "sort_versions",
    "split_entries",
    "strip_prefixes",
    "validate_pattern",
]

DEFAULT_SCHEME = "RPM"

_SCHEMES: dict[str, type[Version]] = {
    scheme.scheme_name: scheme
    for scheme in (CalendarVersion, Pep440Version, RpmVersion, SemanticVersion)
}
SCHEME_NAMES: list[str] = sorted(_SCHEMES)
_BY_LOWER_NAME = {name.lower(): name for name in _SCHEMES}


class UnknownVersionScheme(LookupError):
    """No version scheme is called that; the message names the value (shown in 400 answers)."""

    def __init__(self, name: object) -> None:
        self.name = name
        super().__init__(f'No version scheme was found for "{name}"')


def canonical_scheme_name(name: str) -> str:
    """The stored spelling of a scheme name given in any case (`rpm` -> `RPM`)."""
    if isinstance(name, str):
        canonical = _BY_LOWER_NAME.get(name.lower())
        if canonical is not None:
            return canonical
    raise UnknownVersionScheme(name)


def get_scheme(name: str) -> type[Version]:
    """The version class of a scheme name, case-insensitively; raises UnknownVersionScheme."""
    return _SCHEMES[canonical_scheme_name(name)]


def make_version(
    raw: str,
    *,
    scheme: str | None,
    version_prefix: str | None = None,
    pre_release_filter: str | None = None,
    version_pattern: str | None = None,
) -> Version:
    """A version object of ``scheme`` (case-insensitive; None means the RPM default)."""
    return get_scheme(scheme or DEFAULT_SCHEME)(
        raw,
        version_prefix=version_prefix,
        pre_release_filter=pre_release_filter,
        version_pattern=version_pattern,
    )


def sort_versions(versions: Iterable[Version]) -> list[Version]:
    """Oldest first. Versions that compare equal come in raw-string order, so that the result
    does not depend on the order an upstream listed them in."""
    return sorted(versions, key=lambda version: (version.sort_key, version.raw))
