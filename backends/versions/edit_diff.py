"""What an edit of a project's settings does to the versions its page shows. Pure.

The caller gives the stored versions as the page shows them before and after the edit
(newest first, each under the settings of its side: prefix, scheme, pre-release and version
filters applied); :func:`compare` says which would be hidden, which revealed, which change how
they are shown, which move, and how the latest and latest stable versions change. Versions are
told apart by their stored (raw) string, unique per project: two stored strings may read the
same once a new prefix is stripped (``v1.0`` and ``1.0``), and both are still listed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ShownVersion:
    """One stored version as a project's page shows it."""

    raw: str
    parsed: str
    prerelease: bool
    withdrawn: bool = False


@dataclass(frozen=True)
class Moved:
    """A version shown before and after whose place among the others changed: ``before`` and
    ``after`` are its 1-based positions in each list (newest first)."""

    version: ShownVersion
    before: int
    after: int


@dataclass(frozen=True)
class Relabelled:
    """A version shown before and after, read differently: another string (a prefix stripped
    or no longer stripped) or another pre-release mark."""

    before: ShownVersion
    after: ShownVersion


@dataclass(frozen=True)
class EditDiff:
    before: tuple[ShownVersion, ...]
    """Shown before the edit, newest first."""
    after: tuple[ShownVersion, ...]
    """Shown after the edit, newest first."""
    hidden: tuple[ShownVersion, ...]
    """Shown before, not after (as shown before, in its order)."""
    revealed: tuple[ShownVersion, ...]
    """Shown after, not before (as shown after, in its order)."""
    relabelled: tuple[Relabelled, ...]
    """Shown on both sides, read differently (in the order after)."""
    moved: tuple[Moved, ...]
    """The fewest versions shown on both sides whose moving explains the new order (in the
    order after); empty when the versions on both sides keep their relative order."""
    latest_before: ShownVersion | None
    latest_after: ShownVersion | None
    latest_stable_before: ShownVersion | None
    latest_stable_after: ShownVersion | None

    @property
    def changes_anything(self) -> bool:
        """Whether the page would list anything differently."""
        return self.before != self.after


def latest(shown: Sequence[ShownVersion]) -> ShownVersion | None:
    """The latest version: the newest shown that is not withdrawn."""
    return next((version for version in shown if not version.withdrawn), None)


def latest_stable(shown: Sequence[ShownVersion]) -> ShownVersion | None:
    """The newest shown version that is neither withdrawn nor a pre-release."""
    return next(
        (version for version in shown if not version.withdrawn and not version.prerelease),
        None,
    )


def compare(before: Sequence[ShownVersion], after: Sequence[ShownVersion]) -> EditDiff:
    """What changes between the versions shown ``before`` and ``after`` an edit."""
    before_at = {version.raw: index for index, version in enumerate(before)}
    after_at = {version.raw: index for index, version in enumerate(after)}
    kept = [version for version in after if version.raw in before_at]
    relabelled = tuple(
        Relabelled(before[before_at[version.raw]], version)
        for version in kept
        if before[before_at[version.raw]] != version
    )
    return EditDiff(
        before=tuple(before),
        after=tuple(after),
        hidden=tuple(version for version in before if version.raw not in after_at),
        revealed=tuple(version for version in after if version.raw not in before_at),
        relabelled=relabelled,
        moved=_moved(kept, before_at, after_at),
        latest_before=latest(before),
        latest_after=latest(after),
        latest_stable_before=latest_stable(before),
        latest_stable_after=latest_stable(after),
    )


def _moved(
    kept: list[ShownVersion], before_at: dict[str, int], after_at: dict[str, int]
) -> tuple[Moved, ...]:
    """The versions of ``kept`` (shown on both sides, in the order after) outside a longest
    run whose places before increase: the others kept their relative order, these moved."""
    places = [before_at[version.raw] for version in kept]
    staying = _longest_increasing(places)
    return tuple(
        Moved(version, before_at[version.raw] + 1, after_at[version.raw] + 1)
        for index, version in enumerate(kept)
        if index not in staying
    )


def _longest_increasing(values: list[int]) -> set[int]:
    """The indexes of one longest strictly increasing subsequence of ``values`` (patience
    sorting, O(n log n): a project may hold thousands of versions)."""
    tail_values: list[int] = []  # tail_values[k]: the smallest end of a run of length k + 1
    tails: list[int] = []  # tails[k]: the index of that end
    previous = [-1] * len(values)
    for index, value in enumerate(values):
        length = bisect_left(tail_values, value)
        if length:
            previous[index] = tails[length - 1]
        if length == len(tails):
            tail_values.append(value)
            tails.append(index)
        else:
            tail_values[length], tails[length] = value, index
    chosen: set[int] = set()
    index = tails[-1] if tails else -1
    while index >= 0:
        chosen.add(index)
        index = previous[index]
    return chosen
