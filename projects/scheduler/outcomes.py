"""What checking a claimed project, a batch or a cycle came to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from projects.check import CheckResult, Outcome

#: ``progress(done, total)``, called as a cycle's checks finish.
Progress = Callable[[int, int], None]


@dataclass
class Counts:
    """What a batch (or a cycle) did. A deleted project counts as an error, as in Anitya."""

    success: int = 0
    error: int = 0
    ratelimit: int = 0
    new_versions: int = 0
    #: Claimed, but archived or deleted before its turn: not checked, not counted.
    skipped: int = 0
    #: Claimed, but not started before the batch's deadline: made due again, not counted.
    released: int = 0

    @property
    def total(self) -> int:
        return self.success + self.error + self.ratelimit

    def __iadd__(self, other: Counts) -> Counts:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self

    def add(self, outcome: Outcome | None, new_versions: int = 0) -> None:
        if outcome is None:
            self.skipped += 1
        elif outcome is Outcome.SUCCESS:
            self.success += 1
        elif outcome is Outcome.RATE_LIMITED:
            self.ratelimit += 1
        else:  # ERROR, DELETED
            self.error += 1
        self.new_versions += new_versions


@dataclass(frozen=True)
class Checked:
    """The outcome of one claimed project (None: skipped, it vanished or was archived)."""

    outcome: Outcome | None
    new_versions: int = 0
    deferred: bool = False
    #: What the check recorded (None: skipped, deferred, or abandoned past CHECK_TIMEOUT).
    result: CheckResult | None = None
