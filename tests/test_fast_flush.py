"""tests/fast_flush.py leaves the test database as Django's own flush does (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connection

from projects.models import Project
from tests import fast_flush
from tests.factories import ProjectFactory, ProjectVersionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _state() -> dict[str, object]:
    """Every table's rows: the count, and the content (ids aside) of those post_migrate makes."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return {
        "counts": counts,
        "content types": sorted(ContentType.objects.values_list("app_label", "model")),
        "permissions": sorted(
            Permission.objects.values_list("content_type__app_label", "codename", "name")
        ),
        "sites": sorted(Site.objects.values_list("id", "domain", "name")),
    }


def _write_rows() -> None:
    project = ProjectFactory(name="flushed")
    ProjectVersionFactory(project=project, version="1.0")
    UserFactory(username="flushed")
    Site.objects.update(domain="changed.example")
    Permission.objects.filter(codename="add_project").delete()


def test_it_leaves_what_djangos_flush_leaves():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite gets Django's own flush")
    # Only django.contrib's receivers: after the tests that commit, this flush is the one used.
    assert fast_flush._receivers_known()
    _write_rows()
    truncated = fast_flush.flush("default")
    assert {"projects_project", "accounts_user", "django_site", "auth_permission"} <= set(truncated)
    assert "django_content_type" not in truncated  # left as it was: kept
    fast = _state()
    made_again = {"django_content_type", "auth_permission", "django_site"}
    assert {table: count for table, count in fast["counts"].items() if count} == {
        table: count for table, count in fast["counts"].items() if table in made_again
    }
    assert fast["sites"] == [(1, "example.com", "example.com")]

    _write_rows()
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)
    assert _state() == fast
    # Django's flush made the content types again (new ids): they are the new reference.
    fast_flush.install(["default"])
    assert fast_flush.flush("default") == []  # nothing written: nothing to do
    assert not Project.objects.exists()
