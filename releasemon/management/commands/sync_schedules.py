"""``manage.py sync_schedules``: make django-q2's schedule table match
:data:`releasemon.schedules.SCHEDULES` (``manage.py serve`` does it at every start; a machine
that runs ``qcluster`` alone runs this first, as the worker unit of docs/deploy does). Safe to
run on several machines at once: the rows are locked while they change."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from releasemon.schedules import sync_schedules


class Command(BaseCommand):
    help = "Create, update and remove releasemon's periodic tasks in django-q2's schedule."

    def handle(self, *args: object, **options: object) -> None:
        changes = sync_schedules()
        self.stdout.write(
            "Schedules: {created} created, {updated} updated, {deleted} removed.".format(**changes)
        )
