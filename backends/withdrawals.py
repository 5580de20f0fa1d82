"""Which stored versions an upstream's answer withdraws or brings back. Pure.

A version is withdrawn in two ways:

- the upstream says so (a yanked PyPI or crates.io release, a retired Hex release, a
  retracted pub.dev version, a conda build moved to the broken label): the backend reports
  the release with ``withdrawn`` set. That is the upstream's own word, so any answer counts,
  a partial one too;
- a check that read the upstream's whole list (a backend with ``lists_every_version``,
  answered 200, and not a :class:`~backends.base.PartialListing`) no longer finds it.

It comes back when a later answer lists it again, not withdrawn.

A hostile or flapping upstream must not wipe a project's history by *dropping* versions: a
list that names nothing, or one that would make more than :data:`MAX_WITHDRAWN_SHARE` of the
versions not yet withdrawn vanish at once, withdraws none of the missing ones and yields a
warning for the check's log instead. Versions the upstream explicitly withdraws are not
subject to that guard: they are listed, with the mark.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

#: At most this share of the live stored versions may be withdrawn by one check.
MAX_WITHDRAWN_SHARE = 0.5


@dataclass(frozen=True)
class WithdrawalChanges:
    """Raw stored version strings to mark withdrawn or to bring back, and why none were
    withdrawn when the guard held."""

    withdraw: tuple[str, ...] = ()
    restore: tuple[str, ...] = ()
    warning: str | None = None

    def __bool__(self) -> bool:
        return bool(self.withdraw or self.restore)


def withdrawal_changes(
    stored: Mapping[str, str],
    withdrawn: Collection[str],
    listed: Collection[str],
    *,
    complete: bool = True,
    yanked: Collection[str] = (),
) -> WithdrawalChanges:
    """``stored``: every stored version, raw -> parsed; ``withdrawn``: the raw ones marked;
    ``listed``: the parsed versions the upstream's answer offers (withdrawn upstream ones left
    out); ``complete``: that answer is the upstream's whole list, so a stored version missing
    from it has gone; ``yanked``: the parsed versions the answer lists as withdrawn.

    ``stored`` may parse on lookup (``backends.pipeline``): only the versions an answer can
    change are looked up, so a partial answer with nothing yanked looks up none but the
    withdrawn ones."""
    restore = tuple(raw for raw in stored if raw in withdrawn and listed and stored[raw] in listed)
    live = [raw for raw in stored if raw not in withdrawn]
    stated = tuple(
        raw for raw in live if yanked and stored[raw] in yanked and stored[raw] not in listed
    )
    if not complete:
        return WithdrawalChanges(withdraw=stated, restore=restore)
    gone = tuple(raw for raw in live if stored[raw] not in listed and raw not in stated)
    if not gone:
        return WithdrawalChanges(withdraw=stated, restore=restore)
    if not listed:
        warning = (
            f"The upstream listed no version: {len(gone)} stored version(s) not marked withdrawn"
        )
        return WithdrawalChanges(withdraw=stated, restore=restore, warning=warning)
    if len(gone) > MAX_WITHDRAWN_SHARE * len(live):
        warning = (
            f"The upstream dropped {len(gone)} of {len(live)} stored versions at once "
            f"(more than {MAX_WITHDRAWN_SHARE:.0%}): none marked withdrawn"
        )
        return WithdrawalChanges(withdraw=stated, restore=restore, warning=warning)
    withdraw = tuple(raw for raw in live if raw in stated or raw in gone)
    return WithdrawalChanges(withdraw=withdraw, restore=restore)
