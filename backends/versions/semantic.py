"""The Semantic scheme: strict SemVer 2.0 (https://semver.org), parsed by the `semver` package."""

from __future__ import annotations

from typing import Any

import semver

from backends.versions.base import Version, number_key


def _identifier_key(identifier: str) -> tuple[int, int, str]:
    # SemVer §11.4: numeric identifiers compare numerically and sort below alphanumeric ones,
    # which compare in ASCII order.
    if identifier.isdigit():
        return (0, *number_key(identifier))
    return (1, 0, identifier)


def parse_semver(version: str) -> semver.Version | None:
    """The SemVer reading of a string, or None when it is not strict SemVer 2.0."""
    # The grammar is ASCII; the package's regex would also take other Unicode digits.
    if not version.isascii():
        return None
    try:
        return semver.Version.parse(version)
    except (ValueError, TypeError):
        # ValueError also covers numbers too long for int().
        return None


class SemanticVersion(Version):
    """SemVer precedence; build metadata is ignored (`1.0.0+a` == `1.0.0+b`).

    Strings that are not SemVer sort below every valid version and, among themselves, by their
    prefix-stripped text, so that the order stays total (Anitya made them "less" in both
    directions, which broke sorting).
    """

    scheme_name = "Semantic"

    def _sort_key(self) -> tuple[Any, ...]:
        parsed = parse_semver(self.parsed)
        if parsed is None:
            return (0, self.parsed)
        if parsed.prerelease:
            # A pre-release sorts below the release; more identifiers win on an equal prefix,
            # which is exactly Python's tuple order.
            pre: tuple[Any, ...] = (
                0,
                tuple(_identifier_key(part) for part in parsed.prerelease.split(".")),
            )
        else:
            pre = (1,)
        return (1, (parsed.major, parsed.minor, parsed.patch, pre))

    def _scheme_prerelease(self) -> bool:
        parsed = parse_semver(self.parsed)
        return parsed is not None and bool(parsed.prerelease)
