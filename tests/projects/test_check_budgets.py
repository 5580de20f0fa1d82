"""A check over its budget fails like any check: a readable error in the log and on the project
page, nothing partial stored, nothing sent. And no upstream is asked inside a transaction."""

from __future__ import annotations

import pytest
from django.db import connection

from backends import pipeline
from messaging.models import OutboxMessage
from projects import check, services
from projects.models import Project, ProjectVersion
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db


def many_versions_project(upstream, count: int) -> Project:
    versions = [f"1.{n}" for n in range(count)]
    return ProjectFactory(
        name="many",
        homepage="https://many.example.org/",
        backend="custom",
        version_url=upstream.publish("many", *versions),
    )


def test_a_check_over_budget_stores_nothing_and_says_why(upstream, settings, client):
    settings.CHECK_MAX_NEW_VERSIONS = 50
    project = many_versions_project(upstream, 60)
    ProjectVersionFactory(project=project, version="0.1")
    outbox = OutboxMessage.objects.count()

    result = check.check_project(project)

    assert result.outcome is check.Outcome.ERROR
    project.refresh_from_db()
    assert project.logs.startswith("The check found 60 new versions, more than the 50")
    assert "CHECK_MAX_NEW_VERSIONS" in project.logs
    assert project.check_successful is False
    assert list(
        ProjectVersion.objects.filter(project=project).values_list("version", flat=True)
    ) == ["0.1"]
    assert OutboxMessage.objects.count() == outbox
    page = client.get(f"/project/{project.pk}/").content.decode()
    assert "more than the 50 one check may store" in page


def test_a_check_under_budget_stores_everything(upstream, settings):
    settings.CHECK_MAX_NEW_VERSIONS = 60
    project = many_versions_project(upstream, 60)

    result = check.check_project(project)

    assert result.outcome is check.Outcome.SUCCESS
    assert ProjectVersion.objects.filter(project=project).count() == 60


@pytest.mark.django_db(transaction=True)
def test_a_new_project_is_validated_outside_any_transaction(monkeypatch):
    """SQLite's IMMEDIATE transactions hold the write lock from BEGIN: a slow upstream asked
    inside one would stop every other writer."""
    asked_in_transaction: list[bool] = []

    def preview(spec, **options):
        asked_in_transaction.append(connection.in_atomic_block)
        raise pipeline.BackendError("no upstream here")

    monkeypatch.setattr(pipeline, "preview", preview)
    with pytest.raises(services.ProjectCheckFailed):
        services.project_create(
            agent="tester",
            name="outside",
            homepage="https://outside.example.org/",
            backend="custom",
            version_url="https://outside.example.org/downloads/",
        )
    assert asked_in_transaction == [False]
    assert not Project.objects.filter(name="outside").exists()
