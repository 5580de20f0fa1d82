"""The scheduler writes the checks that found nothing new together (projects/scheduler/
writes.py): every row still gets its own result, a check counts as done once written, and a
project deleted or a write failing meanwhile is counted as a check recorded alone would be."""

from __future__ import annotations

import pytest
from django.db import DataError, connection
from django.utils import timezone

from projects import row_updates, scheduler
from projects.check import LOG_NOTHING_NEW
from projects.models import Project
from projects.scheduler import writes
from tests.factories import ProjectFactory, ProjectVersionFactory

transactional = pytest.mark.django_db(transaction=True)


def unchanged_projects(count: int) -> list[Project]:
    """Projects whose upstream (the fake backend's default, 1.0) lists nothing new."""
    projects = [ProjectFactory(name=f"same{number}") for number in range(count)]
    for project in projects:
        ProjectVersionFactory(project=project, version="1.0")
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(latest_version="1.0")
    return projects


@pytest.fixture
def written_together(monkeypatch) -> list[int]:
    """The size of each write; only "enough are held" and "nothing else runs" trigger one."""
    sizes: list[int] = []
    write = writes.write_nothing_new

    def recording(checks):
        sizes.append(len(checks))
        return write(checks)

    monkeypatch.setattr(writes, "write_nothing_new", recording)
    monkeypatch.setattr(writes, "WRITE_EVERY", 5)
    monkeypatch.setattr(writes, "WRITE_WITHIN", 3600.0)
    return sizes


@transactional
def test_checks_that_find_nothing_new_are_written_together_each_with_its_own_result(
    pool, fake_backend, written_together
):
    pool.CHECK_BATCH_SIZE = 20  # one batch
    projects = unchanged_projects(12)
    before = timezone.now()

    run = scheduler.run_cycle()

    assert (run.total_count, run.success_count, run.new_version_count) == (12, 12, 0)
    assert written_together == [5, 5, 2]
    for project in Project.objects.filter(pk__in=[p.pk for p in projects]):
        assert project.logs == LOG_NOTHING_NEW
        assert project.check_successful and project.error_counter == 0
        assert project.last_check >= before
        assert project.next_check > project.last_check  # no longer due
        assert project.next_check_reason
    assert not scheduler.due_projects().exists()


@transactional
def test_a_project_deleted_before_its_check_is_written_is_skipped(pool, fake_backend):
    doomed, kept = unchanged_projects(2)

    def deleted_meanwhile(spec):
        Project.objects.filter(pk=doomed.pk).delete()
        return ["1.0"]

    fake_backend.script[doomed.name] = deleted_meanwhile
    counts = scheduler.check_batch([doomed.pk, kept.pk])
    assert (counts.success, counts.error, counts.skipped) == (1, 0, 1)
    assert Project.objects.get(pk=kept.pk).logs == LOG_NOTHING_NEW


@transactional
def test_checks_whose_write_fails_are_errors_and_stay_due(pool, fake_backend, monkeypatch):
    projects = unchanged_projects(3)

    def failing(checks):
        raise DataError("the database refused")

    monkeypatch.setattr(writes, "write_nothing_new", failing)
    counts = scheduler.check_batch([p.pk for p in projects])
    assert (counts.success, counts.error) == (0, 3)
    assert not Project.objects.filter(logs=LOG_NOTHING_NEW).exists()


@pytest.mark.django_db
def test_many_rows_written_at_once_each_get_their_own_values():
    first, second = ProjectFactory(), ProjectFactory()
    written = row_updates.update_each(
        Project,
        ("logs", "error_counter"),
        [
            (first.pk, {"logs": "one", "error_counter": 1}),
            (second.pk, {"logs": "two", "error_counter": 2}),
            (123456, {"logs": "gone", "error_counter": 3}),
        ],
    )
    assert written == {first.pk, second.pk}
    assert sorted(Project.objects.values_list("logs", "error_counter")) == [("one", 1), ("two", 2)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not check lengths")
@pytest.mark.django_db
def test_a_value_too_long_for_its_column_is_refused_not_cut_short():
    project = ProjectFactory()
    with pytest.raises(DataError):
        row_updates.update_each(
            Project, ("next_check_reason",), [(project.pk, {"next_check_reason": "x" * 201})]
        )
