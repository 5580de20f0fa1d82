"""The import's progress on stderr: for each kind of rows in turn, rows done out of the total,
the percentage, the time elapsed and the estimated time left.

On a terminal one line per kind is redrawn in place (``\\r``) with a bar, cut to the
terminal's width; anywhere else (a log file, a pipe, cron's mail) each batch is a line of its
own, with what the batch added, changed and removed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

BAR_WIDTH = 20


def duration(seconds: float) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` above."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Writes through ``write`` (text as is: the caller's stream adds no newline); ``tty``
    chooses redrawing in place, ``width`` the terminal's columns; ``clock`` is monotonic."""

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        tty: bool,
        width: int = 80,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write
        self.tty = tty
        self.width = max(width, 20)
        self._clock = clock
        self._kind = ""
        self._total = 0
        self._done = 0
        self._started = 0.0
        self._drawn = 0  # characters of the line being redrawn (0: none on screen)

    def start(self, kind: str, total: int) -> None:
        """Begin counting ``total`` rows of ``kind``."""
        self.end()
        self._kind, self._total, self._done = kind, total, 0
        self._started = self._clock()

    def advance(self, count: int, detail: str = "") -> None:
        """``count`` more rows done; ``detail`` says what the batch did (lines mode only)."""
        self._done += count
        total = max(self._total, self._done)  # rows added on Anitya while the import runs
        elapsed = self._clock() - self._started
        share = self._done / total if total else 1.0
        left = elapsed * (total - self._done) / self._done if self._done else 0.0
        numbers = (
            f"{self._done:,}/{total:,} ({share:.1%}), {duration(elapsed)} elapsed, "
            f"ETA {duration(left)}"
        )
        if not self.tty:
            self._write(f"{self._kind} {numbers}" + (f": {detail}" if detail else "") + "\n")
            return
        filled = int(BAR_WIDTH * share)
        line = f"{self._kind} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {numbers}"
        line = line[: self.width - 1]
        self._write("\r" + line.ljust(self._drawn))
        self._drawn = len(line)

    def end(self) -> None:
        """Leave the redrawn line on screen and start a new one."""
        if self._drawn:
            self._write("\n")
            self._drawn = 0

    def say(self, line: str) -> None:
        """A line of its own (below a redrawn one)."""
        self.end()
        self._write(line + "\n")
