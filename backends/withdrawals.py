"""Which stored versions a complete upstream list withdraws or brings back. Pure.

A version is withdrawn when a check that read the upstream's whole list (a backend with
``lists_every_version``, answered 200) no longer finds it there, or finds it withdrawn (a
yanked PyPI release). It comes back when a later complete list shows it again.

A hostile or flapping upstream must not wipe a project's history: a list that names nothing,
or one that would withdraw more than :data:`MAX_WITHDRAWN_SHARE` of the versions not yet
withdrawn at once, withdraws nothing and yields a warning for the check's log instead.
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
    stored: Mapping[str, str], withdrawn: Collection[str], listed: Collection[str]
) -> WithdrawalChanges:
    """``stored``: every stored version, raw -> parsed; ``withdrawn``: the raw ones marked;
    ``listed``: the parsed versions the complete upstream list still offers (withdrawn
    upstream ones left out)."""
    restore = tuple(raw for raw in stored if raw in withdrawn and stored[raw] in listed)
    live = [raw for raw in stored if raw not in withdrawn]
    gone = tuple(raw for raw in live if stored[raw] not in listed)
    if not gone:
        return WithdrawalChanges(restore=restore)
    if not listed:
        warning = (
            f"The upstream listed no version: {len(gone)} stored version(s) not marked withdrawn"
        )
        return WithdrawalChanges(restore=restore, warning=warning)
    if len(gone) > MAX_WITHDRAWN_SHARE * len(live):
        warning = (
            f"The upstream dropped {len(gone)} of {len(live)} stored versions at once "
            f"(more than {MAX_WITHDRAWN_SHARE:.0%}): none marked withdrawn"
        )
        return WithdrawalChanges(restore=restore, warning=warning)
    return WithdrawalChanges(withdraw=gone, restore=restore)
