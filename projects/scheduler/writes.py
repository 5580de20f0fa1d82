"""The checks of a batch that found nothing new, written to their rows together.

Nine checks in ten find nothing new (most answered 304), and each then needs one UPDATE of its
project's row. The pool's threads leave those to the batch runner, which writes up to
:data:`WRITE_EVERY` of them in one statement (:func:`projects.check.write_nothing_new`):
at 200,000 projects an hour that is a few thousand statements and commits instead of about
180,000. A check counts as done (in the batch's counts, the cycle's run, ``on_done``) only
once its row is written, so the cycle never ends with a check unwritten; one held back waits
at most :data:`WRITE_WITHIN` seconds. Should the process die meanwhile, the projects keep
their claim's due time and are checked again when the claim lapses, as after any lost check.
"""

from __future__ import annotations

import logging
import time

from projects.check import Outcome, write_nothing_new
from projects.scheduler.outcomes import Checked

logger = logging.getLogger("projects.scheduler")

#: At most this many checks in one statement.
WRITE_EVERY = 50
#: A check held back is written within this many seconds.
WRITE_WITHIN = 0.25


class NothingNewWrites:
    """The checks held back (project id, what the check found, the fields to write), oldest
    first."""

    def __init__(self) -> None:
        self._held: list[tuple[int, Checked, dict[str, object]]] = []
        self._since = 0.0

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, project_id: int, checked: Checked, unwritten: dict[str, object]) -> None:
        """Keep ``checked`` (its ``result.unwritten``) until :meth:`write`."""
        if not self._held:
            self._since = time.monotonic()
        self._held.append((project_id, checked, unwritten))

    def due(self, *, nothing_else_running: bool) -> bool:
        """Whether to write now: enough are held, the oldest has waited long enough, or
        no other check is running (nothing would join them)."""
        return bool(self._held) and (
            nothing_else_running
            or len(self._held) >= WRITE_EVERY
            or time.monotonic() >= self._since + WRITE_WITHIN
        )

    def seconds_left(self) -> float:
        """How long the oldest check held may still wait (infinite when none is held)."""
        if not self._held:
            return float("inf")
        return max(0.0, self._since + WRITE_WITHIN - time.monotonic())

    def write(self) -> list[tuple[int, Checked]]:
        """Write the checks held; return them with what came of each: as found when written,
        skipped (``Checked(None)``) when the project was deleted meanwhile, an error when the
        write failed."""
        held, self._held = self._held, []
        if not held:
            return []
        try:
            written = write_nothing_new([(project_id, fields) for project_id, _, fields in held])
        except Exception:
            logger.exception("Recording %s checks that found nothing new failed", len(held))
            return [(project_id, Checked(Outcome.ERROR)) for project_id, _, _ in held]
        return [
            (project_id, checked if project_id in written else Checked(None))
            for project_id, checked, _ in held
        ]
