"""``manage.py import_anitya --from SOURCE``: bring an Anitya 2.x database in, ids and all.

``SOURCE`` is a ``postgresql://`` URL or the path of a SQLite file; it is only read. Run it as
often as needed: each run adds what is new, updates what changed and removes what Anitya no
longer has (docs/migrating-from-anitya.md). The progress goes to stderr (redrawn in place on a
terminal, a line per batch elsewhere), the summary to stdout; values that could not be carried
as they were go to the CSV report.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from projects.anitya_import import (
    AnityaSource,
    ImportRefused,
    Progress,
    Report,
    SourceError,
    import_anitya,
)


def default_report() -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "var" / f"anitya-import-{stamp}.csv"


class Command(BaseCommand):
    help = "Import an Anitya 2.x database (a postgresql:// URL or a SQLite file), read-only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from",
            dest="source",
            required=True,
            metavar="SOURCE",
            help="Anitya's database: a postgresql:// URL or the path of a SQLite file",
        )
        parser.add_argument(
            "--report",
            type=Path,
            default=None,
            metavar="FILE",
            help="the CSV of values not carried as they were "
            "(default var/anitya-import-<timestamp>.csv)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            metavar="N",
            help="projects (and users, tokens) per batch and transaction (default 1000)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would change, write nothing (one transaction, rolled back)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            source = AnityaSource(options["source"])
        except SourceError as error:
            raise CommandError(str(error)) from None
        path = options["report"] or default_report()
        try:
            report = Report(path, self._progress())
        except OSError as error:
            source.close()
            raise CommandError(f"cannot write the report {path}: {error.strerror}") from None
        try:
            with source:
                import_anitya(
                    source, report, batch_size=options["batch_size"], dry_run=options["dry_run"]
                )
        except (SourceError, ImportRefused) as error:
            raise CommandError(str(error)) from None
        finally:
            report.close()
        prefix = "Dry run, nothing written: " if options["dry_run"] else "Imported: "
        self.stdout.write(prefix + report.summary())

    def _progress(self) -> Progress:
        def write(text: str) -> None:
            # As is: no added newline, and not in the error colour stderr has on a terminal.
            self.stderr.write(text, style_func=lambda plain: plain, ending="")
            self.stderr.flush()

        return Progress(write, tty=self.stderr.isatty(), width=_columns())


def _columns() -> int:
    """The width of the terminal stderr shows on (stdout may be redirected)."""
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):  # not a terminal, or no descriptor
        columns = shutil.get_terminal_size().columns
    return columns if columns > 0 else 80  # a terminal that does not say
