"""``manage.py distros``: the distributions projects are mapped to, from the command line.

- ``distros add NAME [NAME ...]`` creates each distribution (``distro.add`` is announced, as
  when the site or the admin adds one). Names are unique ignoring case. A name that is empty,
  too long or already taken (in the database or earlier on the line) stops the command before
  anything is created: one line on stderr saying why, exit code 1.
- ``distros list`` prints every distribution, one a line, with how many packages map to it.

On a fresh install no distribution exists, and ``POST /api/v2/packages/`` maps only to
existing ones: this is how the first ones come to exist without a browser (the site's
``/distro/add`` and the admin's Distros page do the same).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, transaction

from projects import selectors, services


class Command(BaseCommand):
    help = "Add distributions (distros add Fedora Debian) or list them (distros list)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{add,list}", required=True)
        add = actions.add_parser("add", help="create distributions (names unique ignoring case)")
        add.add_argument("names", nargs="+", metavar="NAME", help="a distribution's name")
        add.add_argument(
            "--agent",
            default="admin",
            help="who the distro.add messages name as the author (default: admin)",
        )
        actions.add_parser("list", help="print every distribution and its package count")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "add":
                self._add(options["names"], options["agent"])
            else:
                self._list()
        except DatabaseError as error:
            reason = " ".join(str(error).split())[:200]
            raise CommandError(
                f"the database cannot be used ({reason}); is it migrated (manage.py migrate)?"
            ) from None

    def _add(self, names: list[str], agent: str) -> None:
        seen: set[str] = set()
        for name in names:
            self._check(name, seen)
        try:
            with transaction.atomic():
                created = [services.distro_create(name, agent=agent) for name in names]
        except services.ServiceError as error:  # added meanwhile by someone else
            raise CommandError(str(error)) from None
        for distro in created:
            self.stdout.write(f"Added distribution {distro.name}.")

    def _check(self, name: str, seen: set[str]) -> None:
        """Refuse ``name`` with one line unless :func:`services.distro_create` would take it."""
        text = name.strip()
        if not text:
            raise CommandError("a distribution name cannot be empty")
        if "\x00" in text:
            raise CommandError(f"{text!r}: a distribution name cannot contain NUL characters")
        if len(text) > services.TEXT_MAX_LENGTH:
            raise CommandError(
                f'"{text[:40]}...": a distribution name has at most '
                f"{services.TEXT_MAX_LENGTH} characters"
            )
        if text.lower() in seen:
            raise CommandError(f'"{text}" is named twice')
        seen.add(text.lower())
        existing = services.find_distro(text)
        if existing is not None:
            raise CommandError(str(services.DistroExists(existing.name)))

    def _list(self) -> None:
        distros = list(selectors.distro_list())
        if not distros:
            self.stdout.write("No distributions yet (add some: manage.py distros add NAME ...).")
            return
        width = max(len(distro.name) for distro in distros)
        for distro in distros:
            count = distro.package_count
            self.stdout.write(f"{distro.name:<{width}}  {count} package{'' if count == 1 else 's'}")
