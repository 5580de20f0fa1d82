"""The Python (PEP 440) scheme, read by `packaging` as pip does."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from packaging.version import Version as PackagingVersion

from backends.versions.base import Version


class Pep440Version(Version):
    """PEP 440 ordering (epochs, pre, post, dev, local) on the prefix-stripped string.

    ``parsed`` is the normalised spelling (`1.0-RC1` -> `1.0rc1`). Invalid strings sort below
    every valid version and, among themselves, by their prefix-stripped text.
    """

    scheme_name = "Python (PEP 440)"

    @cached_property
    def pep440(self) -> PackagingVersion | None:
        """The packaging reading, or None when the string is not PEP 440."""
        try:
            return PackagingVersion(self.stripped)
        except ValueError:
            # InvalidVersion is a ValueError; so is int() of a number too long to convert.
            return None

    @property
    def parsed(self) -> str:
        """The normalised form for valid versions, the prefix-stripped string otherwise."""
        return str(self.pep440) if self.pep440 is not None else self.stripped

    def _sort_key(self) -> tuple[Any, ...]:
        if self.pep440 is None:
            return (0, self.stripped)
        return (1, self.pep440)

    def _scheme_prerelease(self) -> bool:
        return self.pep440 is not None and self.pep440.is_prerelease

    def is_postrelease(self) -> bool:
        return self.pep440 is not None and self.pep440.is_postrelease
