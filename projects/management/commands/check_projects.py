"""``manage.py check_projects``: run one check cycle now, or check the projects named.

The cycle is the scheduler's (claims, thread pool, time limit, rate-limit blocks) run in this
process; progress goes to stderr (a bar on a terminal), the summary to stdout. The exit code
is 0 when the cycle ran, even if some projects failed their check (that is their state, shown
on their pages); it is non-zero, with one line saying why, when the command itself could not
do its job. With ``--project``, it is non-zero when a named project's check did not succeed.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import DatabaseError

from backends.base import BackendError
from projects import scheduler
from projects.check import CheckResult, Outcome
from projects.models import Project


class _ProgressBar:
    """``progress(done, total)`` for run_cycle: a bar on a terminal, else a line per 10%."""

    WIDTH = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_step = -1
        self.last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return
        if self.tty:
            now = time.monotonic()
            if done < total and now - self.last_draw < 0.1:
                return
            self.last_draw = now
            filled = self.WIDTH * done // total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            end = "\n" if done >= total else ""
            self.stream.write(f"\r[{bar}] {done}/{total}{end}", ending="")
            self.stream.flush()
            return
        step = 10 * done // total
        if step != self.last_step:
            self.last_step = step
            self.stream.write(f"checked {done}/{total}")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Check every project that is due now (one cycle of the scheduler, in this process), "
        "or only the projects given with --project."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--project",
            action="append",
            metavar="ID_OR_NAME",
            help="check this project now, due or not, and print the result (repeatable)",
        )
        parser.add_argument("--limit", type=int, metavar="N", help="check at most N due projects")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        try:
            if options["project"]:
                self._check_projects(options["project"])
            else:
                self._run_cycle(limit)
        except DatabaseError as error:
            reason = " ".join(str(error).split())[:200]
            raise CommandError(
                f"the database cannot be used ({reason}); is it migrated (manage.py migrate)?"
            ) from None

    def _run_cycle(self, limit: int | None) -> None:
        self.stderr.style_func = None  # progress is not an error: no red on a terminal
        progress = _ProgressBar(self.stderr)
        due = scheduler.due_projects().count()
        if due == 0:
            self.stdout.write("Nothing to check: no project is due.")
            return
        wanted = due if limit is None else min(due, limit)
        self.stderr.write(f"Checking {wanted} due project(s)...")
        started = time.monotonic()
        run = scheduler.run_cycle(limit=limit, progress=progress)
        seconds = time.monotonic() - started
        if run.pk is None:
            self.stdout.write("Nothing to check: another worker took the due projects.")
            return
        self.stdout.write(
            f"Checked {run.total_count} project(s) in {seconds:.1f} s: "
            f"{run.success_count} ok, {run.error_count} failed, "
            f"{run.ratelimit_count} rate-limited; {run.new_version_count} new version(s)."
        )

    def _check_projects(self, names: list[str]) -> None:
        projects = [self._find(name) for name in names]
        failed = 0
        for project in projects:
            label = f"{project.name} (id {project.pk})"
            try:
                result = scheduler.check_and_record(project)
            except BackendError as error:  # archived
                self.stdout.write(f"{label}: not checked: {error}")
                failed += 1
                continue
            self.stdout.write(f"{label}: {self._describe(result)}")
            failed += result.outcome is not Outcome.SUCCESS
        if failed:
            raise CommandError(f"{failed} of {len(projects)} check(s) did not succeed")

    @staticmethod
    def _describe(result: CheckResult) -> str:
        if result.outcome is Outcome.SUCCESS:
            if result.new_versions:
                return "ok, new version(s): " + ", ".join(result.new_versions)
            return "ok, no new version"
        if result.outcome is Outcome.RATE_LIMITED:
            return f"rate-limited until {result.reset_at:%Y-%m-%d %H:%M:%S} UTC ({result.scope})"
        if result.outcome is Outcome.DELETED:
            return f"failed and deleted (too many failed checks): {result.error}"
        return f"failed: {result.error}"

    @staticmethod
    def _find(name: str) -> Project:
        if name.isdigit():
            project = Project.objects.filter(pk=int(name)).first()
            if project is None:
                raise CommandError(f"no project with id {name}")
            return project
        matches = list(Project.objects.filter(name__iexact=name).order_by("pk")[:11])
        if not matches:
            raise CommandError(f'no project named "{name}"')
        if len(matches) > 1:
            ids = ", ".join(str(project.pk) for project in matches[:10])
            raise CommandError(f'several projects are named "{name}" (ids {ids}): give an id')
        return matches[0]
