"""``manage.py sar --email X --username Y``: a GDPR subject access report as JSON on stdout.

A superset of Anitya's ``sar`` script (contract §8.2): a list with one object per matching
user, ``[]`` when nobody matches. ``SAR_EMAIL`` / ``SAR_USERNAME`` are read when the options
are not given, as Anitya's script read them.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.selectors import subject_access_report, users_by_identity


class Command(BaseCommand):
    help = "Print everything stored about a person (by email and/or username) as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", help="Exact email address (case is ignored).")
        parser.add_argument("--username", help="Exact username.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"] or os.environ.get("SAR_EMAIL") or ""
        username = options["username"] or os.environ.get("SAR_USERNAME") or ""
        if not email.strip() and not username.strip():
            raise CommandError("give --email and/or --username (or SAR_EMAIL / SAR_USERNAME)")
        users = users_by_identity(email=email or None, username=username or None)
        report = [subject_access_report(user) for user in users]
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
