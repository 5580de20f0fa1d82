"""What an import did: counts per kind of row, the CSV of values that could not be carried,
the progress of each batch (:mod:`.progress`) and the summary."""

from __future__ import annotations

import csv
import dataclasses
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from projects.anitya_import.clean import Problem
from projects.anitya_import.progress import Progress

CSV_HEADER = ["table", "id", "field", "value", "reason"]
#: The kinds of rows, in the order they are imported and summed up.
KINDS = ("users", "tokens", "identities", "distros", "projects", "versions", "mappings", "flags")


@dataclasses.dataclass
class Tally:
    """How many rows of one kind were added, changed, removed, left as they were."""

    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"+{self.new} ~{self.changed} -{self.removed} ={self.unchanged}"

    def count(self, old: object, new: object) -> bool:
        """Count a row stored as ``old`` (None: not stored) that Anitya has as ``new``; True
        when it must be written."""
        if old is None:
            self.new += 1
        elif old == new:
            self.unchanged += 1
            return False
        else:
            self.changed += 1
        return True

    def add(self, other: Tally) -> None:
        self.new += other.new
        self.changed += other.changed
        self.removed += other.removed
        self.unchanged += other.unchanged


class Report:
    """Counts, the CSV file (written as problems come, so a long import's file grows), and
    the progress (the command's stderr)."""

    def __init__(self, path: Path, progress: Progress) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file)
        self._csv.writerow(CSV_HEADER)
        self.progress = progress
        self.tallies = {kind: Tally() for kind in KINDS}
        self.problems: Counter[str] = Counter()

    def problem(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self._csv.writerow(problem.as_row())
            self.problems[problem.table] += 1
        self._file.flush()

    def count(self, kind: str, tally: Tally) -> None:
        self.tallies[kind].add(tally)

    def start(self, kind: str, total: int) -> None:
        """The next ``total`` rows counted are of ``kind``."""
        self.progress.start(kind, total)

    def batch(self, rows: int, what: str, parts: dict[str, Tally]) -> None:
        """A batch of ``rows`` rows is written; ``what`` names it, ``parts`` is what it did."""
        details = "; ".join(f"{kind} {tally}" for kind, tally in parts.items())
        self.progress.advance(rows, f"{what}: {details}")

    def say(self, line: str) -> None:
        self.progress.say(line)

    def summary(self) -> str:
        counts = ", ".join(f"{kind} {tally}" for kind, tally in self.tallies.items())
        return (
            f"{counts}; {sum(self.problems.values())} values not carried as they were "
            f"(+new ~changed -removed =unchanged; report: {self.path})"
        )

    def close(self) -> None:
        self.progress.end()
        self._file.close()
