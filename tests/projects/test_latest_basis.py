"""An unchanged check keeps the stored latest version without reading the history again, yet
a change made behind the checks' back shows at the next check, as in Anitya."""

from __future__ import annotations

import pytest

from backends.base import NotModified
from projects import check, services
from projects.models import Project, ProjectVersion
from projects.scheduler.cycle import load_claimed
from tests.backends.test_latest_basis import parses  # noqa: F401 (the fixture)
from tests.projects.test_check import upstream, with_versions  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def checked_as_scheduled(project: Project) -> Project:
    """Check ``project`` as a cycle does (its versions read with its batch's), then reload it."""
    (loaded,) = load_claimed([project.pk])
    check.check_project(loaded)
    return Project.objects.get(pk=project.pk)


def test_a_304_after_a_check_that_worked_the_latest_out_reads_no_version(upstream, parses):  # noqa: F811
    project = with_versions("1.0", "1.1", "2.0")
    upstream(["1.0", "1.1", "2.0"], NotModified(), NotModified())
    project = checked_as_scheduled(project)  # a 200 with nothing new: the digest is written
    assert len(project.latest_basis) == 32
    parses["n"] = 0
    project = checked_as_scheduled(project)
    assert parses["n"] == 0
    assert (project.latest_version, project.logs) == ("2.0", "No new version found")


@pytest.mark.parametrize(
    ("behind_the_back", "latest"),
    [
        (lambda project: Project.objects.filter(pk=project.pk).update(version_filter="2.0"), "1.1"),
        (lambda project: project.versions.filter(version="2.0").delete(), "1.1"),
        (lambda project: Project.objects.filter(pk=project.pk).update(latest_version="1.0"), "2.0"),
    ],
    ids=["filter set in SQL", "version deleted in SQL", "latest version overwritten"],
)
def test_a_change_made_behind_the_checks_back_shows_at_the_next_304(
    upstream,  # noqa: F811
    behind_the_back,
    latest,
):
    project = with_versions("1.0", "1.1", "2.0")
    upstream(["1.0", "1.1", "2.0"], NotModified(), NotModified())
    project = checked_as_scheduled(project)
    behind_the_back(project)
    project = checked_as_scheduled(Project.objects.get(pk=project.pk))
    assert project.latest_version == latest
    basis_written = project.latest_basis
    project = checked_as_scheduled(project)  # worked out once: the next 304 keeps it
    assert (project.latest_version, project.latest_basis) == (latest, basis_written)


def test_edits_and_deletions_through_the_site_are_right_before_and_after_the_next_304(
    upstream,  # noqa: F811
):
    project = with_versions("1.0", "1.1", "2.0")
    upstream(["1.0", "1.1", "2.0"], NotModified(), NotModified())
    project = checked_as_scheduled(project)
    services.project_edit(project, agent="anna", version_prefix="", version_filter="1.1")
    assert Project.objects.get(pk=project.pk).latest_version == "2.0"
    services.versions_delete(project, ["2.0"], agent="anna")
    assert Project.objects.get(pk=project.pk).latest_version == "1.0"
    project = checked_as_scheduled(Project.objects.get(pk=project.pk))
    assert project.latest_version == "1.0"
    assert not ProjectVersion.objects.filter(project=project, version="2.0").exists()
