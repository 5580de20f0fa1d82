"""``manage.py check_projects``: check projects now, from the command line.

What is checked:

- ``--due`` (also what running with none of ``--due``, ``--backend`` and ``--project`` does):
  one cycle of the scheduler over every project due now, in this process (claims, thread
  pool, time limit, rate-limit blocks), recorded as a CheckRun;
- ``--due --backend NAME``: that cycle restricted to the due projects of that backend;
- ``--backend NAME`` alone: every non-archived project of that backend, due or not, now,
  with the same pool and time limit, recorded as a CheckRun;
- ``--project ID_OR_NAME`` (repeatable): those projects, due or not, one by one, with a line
  each (cannot be combined with ``--due``/``--backend``);
- ``--limit N``: at most N projects of a cycle or of a backend.

``--dry-run`` fetches and previews (``backends.pipeline.preview``) the same projects and
prints, per project, the new versions a check would store; it writes nothing: no versions, no
health or schedule fields, no messages, no CheckRun, no rate-limit block.

Progress goes to stderr (a bar on a terminal, else a line per 10%), a summary line (checked,
new versions, errors, rate limited) to stdout. The exit code is 0 only when every check
succeeded (or nothing was due); it is 1, with one line on stderr saying why, when a project's
check failed or was rate limited, or when the command could not do its job (unknown project or
backend, unusable database).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import DatabaseError
from django.db.models import QuerySet

from backends import pipeline, registry
from backends.base import BackendError, RateLimited
from backends.pipeline import Preview
from projects import scheduler
from projects.check import ARCHIVED_ERROR, CheckResult, Outcome
from projects.models import CheckRun, Project


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
        "Check projects now: one cycle over every project due (--due, the default), every "
        "project of a backend (--backend), or the projects named (--project). --dry-run "
        "previews without writing anything. Exits 1 when any check failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--project",
            action="append",
            metavar="ID_OR_NAME",
            help="check this project now, due or not, and print the result (repeatable)",
        )
        parser.add_argument(
            "--due",
            action="store_true",
            help="check every project due now, one scheduler cycle (the default)",
        )
        parser.add_argument(
            "--backend",
            metavar="NAME",
            help="alone: check every non-archived project of this backend now; with --due: "
            "only the due projects of this backend",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="fetch and print the new versions each project would get; store nothing",
        )
        parser.add_argument(
            "--limit", type=int, metavar="N", help="check at most N projects (--due, --backend)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        names, backend, due = options["project"], options["backend"], options["due"]
        if names and (backend or due):
            raise CommandError("--project cannot be combined with --due or --backend")
        if backend is not None and backend not in registry.backend_names():
            raise CommandError(f'unknown backend "{backend}"')
        self.stderr.style_func = None  # progress is not an error: no red on a terminal
        try:
            if options["dry_run"]:
                if names:
                    projects = [self._find(name) for name in names]
                else:
                    projects = list(self._selection(backend, due, limit))
                self._preview(projects)
            elif names:
                self._check_projects(names)
            elif backend and not due:
                self._check_backend(backend, limit)
            else:
                self._run_cycle(limit, backend)
        except DatabaseError as error:
            reason = " ".join(str(error).split())[:200]
            raise CommandError(
                f"the database cannot be used ({reason}); is it migrated (manage.py migrate)?"
            ) from None

    # -- real checks ------------------------------------------------------------------------

    def _run_cycle(self, limit: int | None, backend: str | None) -> None:
        progress = _ProgressBar(self.stderr)
        due = scheduler.due_projects(backend=backend).count()
        of_backend = f" {backend}" if backend else ""
        if due == 0:
            self.stdout.write(f"Nothing to check: no{of_backend} project is due.")
            return
        wanted = due if limit is None else min(due, limit)
        self.stderr.write(f"Checking {wanted} due{of_backend} project(s)...")
        started = time.monotonic()
        run = scheduler.run_cycle(limit=limit, progress=progress, backend=backend)
        if run.pk is None:
            self.stdout.write("Nothing to check: another worker took the due projects.")
            return
        self._summarise(run, time.monotonic() - started)

    def _check_backend(self, backend: str, limit: int | None) -> None:
        projects = Project.objects.filter(backend=backend, archived=False)
        count = projects.count() if limit is None else min(projects.count(), limit)
        if count == 0:
            self.stdout.write(f"Nothing to check: no {backend} project.")
            return
        self.stderr.write(f"Checking {count} {backend} project(s)...")
        started = time.monotonic()
        run = scheduler.check_now(projects, limit=limit, progress=_ProgressBar(self.stderr))
        self._summarise(run, time.monotonic() - started)

    def _summarise(self, run: CheckRun, seconds: float) -> None:
        self.stdout.write(
            f"Checked {run.total_count} project(s) in {seconds:.1f} s: "
            f"{run.success_count} ok, {run.error_count} failed, "
            f"{run.ratelimit_count} rate-limited; {run.new_version_count} new version(s)."
        )
        self._fail_if(run.error_count, run.ratelimit_count)

    def _check_projects(self, names: list[str]) -> None:
        """Check the named projects as a cycle would: leased, with the pool's time limit."""
        projects = [self._find(name) for name in names]
        archived = [project for project in projects if project.archived]
        for project in archived:
            self.stdout.write(f"{self._label(project)}: not checked: {ARCHIVED_ERROR}")
        labels = {project.pk: self._label(project) for project in projects}
        results: dict[int, scheduler.Checked] = {}
        started = time.monotonic()
        scheduler.check_now(
            Project.objects.filter(pk__in=labels),
            on_checked=lambda project_id, checked: results.__setitem__(project_id, checked),
        )
        errors, limited, new, ok = len(archived), 0, 0, 0
        for project in projects:
            if project.archived or project.pk not in results:
                continue
            checked = results[project.pk]
            self.stdout.write(f"{labels[project.pk]}: {self._describe_checked(checked)}")
            new += checked.new_versions
            ok += checked.outcome is Outcome.SUCCESS
            limited += checked.outcome is Outcome.RATE_LIMITED
            errors += checked.outcome in (Outcome.ERROR, Outcome.DELETED, Outcome.ARCHIVED)
        self.stdout.write(
            f"Checked {len(projects)} project(s) in {time.monotonic() - started:.1f} s: "
            f"{ok} ok, {errors} failed, {limited} rate-limited; {new} new version(s)."
        )
        self._fail_if(errors, limited)

    @staticmethod
    def _label(project: Project) -> str:
        return f"{project.name} (id {project.pk})"

    def _describe_checked(self, checked: scheduler.Checked) -> str:
        if checked.result is not None:
            return self._describe(checked.result)
        if checked.deferred:
            return "not checked: its upstream is rate-limited; deferred"
        if checked.outcome is Outcome.ERROR:
            return (
                f"failed: the check took more than CHECK_TIMEOUT ({settings.CHECK_TIMEOUT} s) "
                "and was abandoned"
            )
        return "not checked: archived or deleted meanwhile"

    @staticmethod
    def _fail_if(errors: int, limited: int) -> None:
        if errors or limited:
            raise CommandError(
                f"{errors} check(s) failed and {limited} were rate-limited (see above)"
            )

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
        if result.outcome is Outcome.ARCHIVED:
            return f"failed and archived (too many failed checks): {result.error}"
        return f"failed: {result.error}"

    # -- dry run ----------------------------------------------------------------------------

    @staticmethod
    def _selection(backend: str | None, due: bool, limit: int | None) -> QuerySet[Project]:
        """The projects a real run with these options would check (nothing is claimed)."""
        if backend and not due:
            projects = Project.objects.filter(backend=backend, archived=False).order_by("pk")
        else:
            projects = scheduler.due_projects(backend=backend).order_by("next_check", "pk")
        projects = projects.prefetch_related("versions")
        return projects if limit is None else projects[:limit]

    def _preview(self, projects: list[Project]) -> None:
        """Preview ``projects`` with the pool's threads and print what a check would store."""
        if not projects:
            self.stdout.write("Nothing to preview: no project selected.")
            return
        self.stderr.write(f"Previewing {len(projects)} project(s) (dry run)...")
        progress = _ProgressBar(self.stderr)
        progress(0, len(projects))
        specs = [(project, None if project.archived else project.to_spec()) for project in projects]

        def run(spec: Any) -> Preview | BackendError:
            if spec is None:
                return BackendError(ARCHIVED_ERROR)
            try:
                return pipeline.preview(spec)
            except BackendError as error:
                return error

        errors = limited = new = 0
        started = time.monotonic()
        workers = max(1, min(settings.CRON_POOL, len(specs)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preview") as pool:
            results = list(pool.map(run, [spec for _, spec in specs]))
        progress(len(projects), len(projects))
        for (project, _), result in zip(specs, results, strict=True):
            label = f"{project.name} (id {project.pk})"
            if isinstance(result, RateLimited):
                limited += 1
                self.stdout.write(
                    f"{label}: rate-limited until {result.reset_at:%Y-%m-%d %H:%M:%S} UTC "
                    f"({result.scope})"
                )
            elif isinstance(result, BackendError):
                errors += 1
                self.stdout.write(f"{label}: would fail: {result}")
            elif result.new_versions:
                new += len(result.new_versions)
                found = ", ".join(found.parsed for found in result.new_versions)
                self.stdout.write(f"{label}: would store {found}")
            else:
                self.stdout.write(f"{label}: nothing new")
        self.stdout.write(
            f"Previewed {len(projects)} project(s) in {time.monotonic() - started:.1f} s: "
            f"{len(projects) - errors - limited} ok, {errors} failed, {limited} rate-limited; "
            f"{new} new version(s) (dry run: nothing stored)."
        )
        self._fail_if(errors, limited)

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
