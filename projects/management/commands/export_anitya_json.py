"""``manage.py export_anitya_json --out DIR``: every project, its versions and its mappings in
Anitya's API v2 shapes, as JSON Lines (``projects.jsonl``, ``versions.jsonl``,
``packages.jsonl``; projects/anitya_import/export.py), so the data is never locked in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.anitya_import.export import export


class Command(BaseCommand):
    help = "Write projects, versions and mappings as Anitya's API v2 shows them (JSON Lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", type=Path, required=True, metavar="DIR", help="the folder to write into"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = export(options["out"])
        except OSError as error:
            raise CommandError(f"cannot write into {options['out']}: {error.strerror}") from None
        self.stderr.write(
            ", ".join(f"{count} {name} in {name}.jsonl" for name, count in counts.items())
        )
