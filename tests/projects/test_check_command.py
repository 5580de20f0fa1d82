"""``manage.py check_projects``: --due (the default), --backend, --dry-run, exit codes.

Against the local upstream of tests/projects/conftest.py; the progress bar, --project and the
fresh-install exit codes are covered in test_check_e2e.py.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms.models import model_to_dict
from django.utils import timezone

from messaging.models import OutboxMessage
from projects.models import CheckRun, Project, ProjectVersion, RateLimitBlock
from tests.factories import ProjectFactory, ProjectVersionFactory, watched

pytestmark = pytest.mark.django_db(transaction=True)


def later() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=1)


def command(*args: str) -> tuple[str, str, CommandError | None]:
    """Run the command; return its stdout, stderr and the error it ended with (exit 1)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_projects", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def snapshot() -> dict:
    """Everything a check could write."""
    return {
        "projects": {p.pk: model_to_dict(p) for p in Project.objects.all()},
        "versions": sorted(ProjectVersion.objects.values_list("project_id", "version")),
        "outbox": OutboxMessage.objects.count(),
        "runs": CheckRun.objects.count(),
        "blocks": RateLimitBlock.objects.count(),
    }


def test_no_option_and_due_both_run_one_cycle_of_what_is_due(upstream, pool):
    watched(upstream, "due1", "1.0")
    not_due = watched(upstream, "notdue", "1.0", next_check=later())
    out, _, error = command()
    assert error is None
    assert out.startswith("Checked 1 project(s) in ")
    assert out.rstrip().endswith("1 ok, 0 failed, 0 rate-limited; 1 new version(s).")
    assert upstream.hits(f"/{not_due.name}/") == []

    Project.objects.filter(name="due1").update(next_check=timezone.now())
    out, _, error = command("--due")
    assert error is None
    assert out.rstrip().endswith("1 ok, 0 failed, 0 rate-limited; 0 new version(s).")
    assert CheckRun.objects.count() == 2


def test_due_with_a_backend_checks_only_that_backends_due_projects(upstream, pool):
    watched(upstream, "mine", "1.0")
    other = watched(upstream, "other", "1.0", backend="folder")
    before = other.next_check
    out, err, error = command("--due", "--backend", "custom")
    assert error is None
    assert err.splitlines()[0] == "Checking 1 due custom project(s)..."
    assert out.rstrip().endswith("1 ok, 0 failed, 0 rate-limited; 1 new version(s).")
    assert upstream.hits("/other/") == []
    other.refresh_from_db()
    assert other.next_check == before
    out, _, error = command("--due", "--backend", "custom")
    assert (out, error) == ("Nothing to check: no custom project is due.\n", None)


def test_a_backend_alone_checks_all_its_projects_now_due_or_not(upstream, pool):
    watched(upstream, "b1", "1.0", next_check=later())
    watched(upstream, "b2", "1.0", "2.0")
    watched(upstream, "gone", "1.0", archived=True)
    watched(upstream, "elsewhere", "1.0", backend="folder")
    out, err, error = command("--backend", "custom")
    assert error is None
    assert err.splitlines()[0] == "Checking 2 custom project(s)..."
    assert out.rstrip().endswith("2 ok, 0 failed, 0 rate-limited; 3 new version(s).")
    assert upstream.hits("/gone/") == [] and upstream.hits("/elsewhere/") == []
    run = CheckRun.objects.get()
    assert (run.total_count, run.new_version_count) == (2, 3)
    assert Project.objects.get(name="b1").next_check > timezone.now()


def test_an_unknown_backend_or_a_bad_combination_is_refused(pool):
    assert str(command("--backend", "nope")[2]) == 'unknown backend "nope"'
    assert "cannot be combined" in str(command("--project", "1", "--due")[2])
    assert "cannot be combined" in str(command("--project", "1", "--backend", "custom")[2])


def test_a_rate_limit_in_a_cycle_is_a_failure_of_the_command(upstream, pool):
    watched(upstream, "slowdown", "1.0")
    upstream.rate_limit(retry_after=60)
    out, _, error = command()
    assert out.rstrip().endswith("0 ok, 0 failed, 1 rate-limited; 0 new version(s).")
    assert str(error) == "0 check(s) failed and 1 were rate-limited (see above)"


def test_a_dry_run_prints_what_would_be_stored_and_writes_nothing(upstream, pool):
    fresh = watched(upstream, "fresh", "1.0", "1.1")
    known = watched(upstream, "known", "1.0", "2.0")
    ProjectVersionFactory(project=known, version="1.0")
    watched(upstream, "later", "3.0", next_check=later())
    before = snapshot()

    out, err, error = command("--dry-run")

    assert error is None
    lines = out.splitlines()
    assert f"fresh (id {fresh.pk}): would store 1.0, 1.1" in lines
    assert f"known (id {known.pk}): would store 2.0" in lines
    assert not any(line.startswith("later") for line in lines)  # not due
    assert lines[-1].endswith(
        "2 ok, 0 failed, 0 rate-limited; 3 new version(s) (dry run: nothing stored)."
    )
    assert err.splitlines()[0] == "Previewing 2 project(s) (dry run)..."
    assert snapshot() == before

    out, _, error = command("--dry-run", "--backend", "custom")  # every custom project
    assert error is None
    assert "would store 3.0" in out
    out, _, error = command("--dry-run", "--project", str(known.pk))
    assert out.splitlines()[0] == f"known (id {known.pk}): would store 2.0"
    assert snapshot() == before


def test_a_dry_run_with_failures_exits_non_zero_and_still_writes_nothing(upstream, pool):
    watched(upstream, "broken", "1.0")
    watched(upstream, "archived", "1.0", archived=True)
    upstream.fail("/broken/")
    before = snapshot()
    out, _, error = command("--dry-run")
    assert "broken" in out and "would fail" in out
    assert str(error).startswith("1 check(s) failed")
    out, _, error = command("--dry-run", "--project", "archived")
    assert "would fail: Project is archived" in out
    assert error is not None

    upstream.rate_limit(retry_after=60)
    out, _, error = command("--dry-run")
    assert "rate-limited until" in out
    assert str(error) == "0 check(s) failed and 1 were rate-limited (see above)"
    assert snapshot() == before


def test_named_projects_are_leased_and_abandoned_after_check_timeout(upstream, pool):
    """``--project`` keeps to CHECK_TIMEOUT like a cycle, and leases the project meanwhile."""
    pool.CHECK_TIMEOUT = 1
    pool.CHECK_DEADLINE = 4  # the abandoned check's own fetch gives up soon after
    slow = watched(upstream, "slow", "1.0")
    quick = watched(upstream, "quick", "2.0")
    upstream.delay(f"/{slow.name}/", 30)
    started = timezone.now()

    out, _, error = command("--project", slow.name, "--project", quick.name)

    assert (timezone.now() - started).total_seconds() < 4
    lines = out.splitlines()
    assert lines[0] == (
        f"slow (id {slow.pk}): failed: the check took more than CHECK_TIMEOUT (1 s) and was "
        "abandoned"
    )
    assert lines[1] == f"quick (id {quick.pk}): ok, new version(s): 2.0"
    assert "1 ok, 1 failed" in lines[2]
    assert "1 check(s) failed" in str(error)
    # The abandoned project stays leased, away from the cycles, until its lease ends.
    slow.refresh_from_db()
    assert slow.next_check > started + dt.timedelta(seconds=60)
    assert not ProjectVersion.objects.filter(project=slow).exists()


def test_named_projects_count_toward_the_threshold_and_one_with_versions_is_archived(
    upstream, pool, settings
):
    """``--project`` goes through the scheduler: its failures count (issue #13)."""
    settings.CHECK_ERROR_THRESHOLD = 1
    kept = ProjectFactory(name="kept", version_url=f"{upstream.base_url}/missing/")
    ProjectVersionFactory(project=kept, version="1.0")
    out, _, error = command("--project", kept.name)
    assert "kept (id " in out and "failed and archived (too many failed checks)" in out
    assert "1 failed" in out and error is not None
    kept.refresh_from_db()
    assert (kept.archived, kept.error_counter) == (True, 1)
    assert list(kept.versions.values_list("version", flat=True)) == ["1.0"]
