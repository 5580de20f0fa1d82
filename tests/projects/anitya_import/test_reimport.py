"""Importing again brings exactly what changed on Anitya; a dry run writes nothing; bad
``--from`` values are one readable line."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

import projects.anitya_import as anitya_import
from accounts.models import ApiToken, User
from projects.anitya_import.source import AnityaSource, SourceError
from projects.models import AuditEntry, Catalogue, Flag, Package, Project, ProjectVersion
from projects.services.flags import flag_create
from tests.factories import ProjectFactory
from tests.projects.anitya_import.catalogue import ALICE, ALICE_TOKEN, T0, fill, project
from tests.projects.anitya_import.test_import import run_import

pytestmark = pytest.mark.django_db(transaction=True)


def answers(client: APIClient) -> dict[int, dict]:
    return {
        pid: client.get(f"/api/project/{pid}").json()
        for pid in Project.objects.values_list("id", flat=True)
    }


def change_anitya(db) -> None:
    """A new version, an edited project, a deleted mapping, a new project with a mapping."""
    later = T0 + dt.timedelta(days=400)
    db.insert("projects_versions", project_id=1, version="2.32.0", created_on=later)
    db.execute("UPDATE projects SET latest_version = '2.32.0', updated_on = ? WHERE id = 1", later)
    db.execute("UPDATE projects SET regex = 'rpmthing-v(.*)', updated_on = ? WHERE id = 2", later)
    db.execute("DELETE FROM packages WHERE id = 2")
    project(db, 40, "newcomer", "https://newcomer.example")
    db.insert("packages", id=7, distro_name="Debian", project_id=40, package_name="newcomer")
    db.commit()


def test_a_second_import_brings_exactly_the_changes(anitya_db, tmp_path, fresh_caches):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    client = APIClient()
    before = answers(client)
    change_anitya(anitya_db)
    out, _ = run_import(anitya_db, tmp_path)
    assert "projects +1 ~2 -0" in out
    assert "versions +1 ~0 -0" in out
    assert "mappings +1 ~0 -1" in out
    after = answers(client)
    assert set(after) - set(before) == {40}
    assert after[40]["packages"] == [{"distro": "Debian", "package_name": "newcomer"}]
    assert after[1]["versions"][0] == after[1]["version"] == "2.32.0"
    assert after[1]["packages"] == [{"distro": "Fedora", "package_name": "python-requests"}]
    assert after[2]["regex"] == "rpmthing-v(.*)"
    for pid in set(before) - {1, 2}:
        assert after[pid] == before[pid], pid
    # A third run finds nothing to do.
    out, _ = run_import(anitya_db, tmp_path)
    assert "projects +0 ~0 -0" in out


def test_a_project_deleted_on_anitya_goes_at_the_next_import(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    anitya_db.execute("DELETE FROM projects_versions WHERE project_id = 7")
    anitya_db.execute("DELETE FROM projects WHERE id = 7")
    anitya_db.commit()
    run_import(anitya_db, tmp_path)
    assert not Project.objects.filter(pk=7).exists()
    assert AuditEntry.objects.filter(project_id=7, kind=AuditEntry.Kind.PROJECT_REMOVE).exists()


def test_a_dry_run_reports_the_changes_and_writes_nothing(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    change_anitya(anitya_db)
    Catalogue.objects.get_or_create(pk=1)
    generation = Catalogue.objects.get(pk=1).generation
    versions = ProjectVersion.objects.count()
    out, rows = run_import(anitya_db, tmp_path, "--dry-run")
    assert "Dry run, nothing written" in out
    assert "projects +1 ~2 -0" in out
    assert not Project.objects.filter(pk=40).exists()
    assert Package.objects.filter(pk=2).exists()
    assert ProjectVersion.objects.count() == versions
    assert Catalogue.objects.get(pk=1).generation == generation
    assert rows  # the report is still written


def test_the_first_import_into_an_empty_database_dry_run_creates_nothing(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path, "--dry-run")
    assert not Project.objects.exists()


def test_new_projects_get_ids_after_the_imported_ones(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    created = ProjectFactory()
    assert created.pk > Project.objects.exclude(pk=created.pk).latest("id").pk


def test_a_database_with_projects_of_its_own_is_refused(anitya_db, tmp_path):
    fill(anitya_db)
    ProjectFactory()
    with pytest.raises(CommandError, match="not imported from Anitya"):
        run_import(anitya_db, tmp_path)


def test_anitya_s_own_database_as_releasemon_s_is_refused(anitya_db, tmp_path):
    """An operator who copied anitya.toml with its db_url migrated releasemon into Anitya's
    database: the import says so instead of reading and writing the same database."""
    fill(anitya_db)
    anitya_db.execute("CREATE TABLE django_migrations (id integer)")
    anitya_db.commit()
    with pytest.raises(CommandError, match="releasemon needs a database of its own") as raised:
        run_import(anitya_db, tmp_path)
    assert "db_url" in str(raised.value)
    assert not Project.objects.exists()


def test_the_source_is_opened_read_only(anitya_db):
    fill(anitya_db)
    with AnityaSource(anitya_db.location) as source:
        with pytest.raises(SourceError, match=r"read-?only"):
            source._fetch("DELETE FROM projects", ())
        assert len(source.rows("projects", {"id": "int"}, order="id")) > 10


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{tmp}/missing.sqlite", "no such file"),
        ("{tmp}/garbage.sqlite", "not a SQLite database"),
        ("{tmp}/empty.sqlite", "not an Anitya 2.x database"),
        ("mysql://anitya@localhost/anitya", "use a postgresql:// URL"),
        (
            "postgresql://nobody:secret@127.0.0.1:1/anitya",
            "cannot connect to postgresql://nobody:***@",
        ),
    ],
)
def test_a_bad_source_is_one_readable_line(tmp_path, source, message):
    (tmp_path / "garbage.sqlite").write_bytes(b"not a database at all" * 100)
    sqlite3.connect(tmp_path / "empty.sqlite").execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_anitya",
            "--from",
            source.format(tmp=tmp_path),
            "--report",
            str(tmp_path / "r.csv"),
        )
    text = str(raised.value)
    assert message in text
    assert "\n" not in text and "Traceback" not in text
    assert "secret" not in text


def test_sequences_follow_on_postgresql(anitya_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's rowids need no sequence")
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    assert (
        Package.objects.create(
            distro_id=Package.objects.first().distro_id, project_id=1, package_name="seq"
        ).pk
        > 3
    )


def test_a_token_revoked_on_anitya_stops_working_at_the_next_import(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    alice = User.objects.get(pk=ALICE)
    _, own = ApiToken.issue(alice, "made here")
    anitya_db.execute("DELETE FROM tokens")
    anitya_db.commit()
    run_import(anitya_db, tmp_path)
    client = APIClient()
    revoked = client.get("/api/v2/watches/", HTTP_AUTHORIZATION=f"Token {ALICE_TOKEN}")
    assert revoked.status_code in (401, 403)
    kept = client.get("/api/v2/watches/", HTTP_AUTHORIZATION=f"Token {own}")
    assert kept.status_code == 200


def test_a_check_on_anitya_updates_the_state_without_a_history_entry(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    entries = AuditEntry.objects.count()
    checked = T0 + dt.timedelta(days=500)
    anitya_db.execute(
        "UPDATE projects SET last_check = ?, next_check = ?, updated_on = ? WHERE id = 3",
        checked,
        checked + dt.timedelta(hours=1),
        checked,
    )
    anitya_db.commit()
    out, _ = run_import(anitya_db, tmp_path)
    assert "projects +0 ~1 -0" in out
    assert Project.objects.get(pk=3).last_check == checked
    assert AuditEntry.objects.count() == entries


def test_an_email_changed_on_anitya_moves_the_verified_address(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    anitya_db.execute(
        "UPDATE users SET email = 'alice@new.example' WHERE email = ?", "alice@example.org"
    )
    anitya_db.commit()
    run_import(anitya_db, tmp_path)
    alice = User.objects.get(pk=ALICE)
    assert alice.email == "alice@new.example"
    assert [(a.email, a.verified) for a in alice.emailaddress_set.all()] == [
        ("alice@new.example", True)
    ]


def test_a_mapping_moved_to_an_earlier_batch_comes_in_one_import(anitya_db, tmp_path):
    """Anitya moved a package from a project of a later batch to one of an earlier batch (a
    new mapping row, the old one deleted): one re-import brings the move."""
    fill(anitya_db)
    project(anitya_db, 50, "late", "https://late.example")
    anitya_db.insert("packages", id=8, distro_name="Debian", project_id=50, package_name="shared")
    anitya_db.commit()
    run_import(anitya_db, tmp_path, "--batch-size", "1")
    assert Package.objects.get(pk=8).project_id == 50
    anitya_db.execute("DELETE FROM packages WHERE id = 8")
    anitya_db.insert("packages", id=9, distro_name="Debian", project_id=1, package_name="shared")
    anitya_db.commit()
    out, report = run_import(anitya_db, tmp_path, "--batch-size", "1")
    assert not Package.objects.filter(pk=8).exists()
    assert Package.objects.get(pk=9).project_id == 1
    assert not [line for line in report if line["table"] == "packages"]
    assert "mappings +1 ~0 -1" in out


def shown(client: APIClient) -> dict[str, object]:
    """What users see of project 1's versions and project 8's latest commit link, through
    every cached answer: v1 and v2 single answers and lists, and the project page."""
    v1_list = client.get("/api/projects/", {"pattern": "requests"}).json()["projects"]
    v2_list = client.get("/api/v2/projects/", {"name": "requests"}).json()["items"]
    page = client.get("/project/8/").content.decode()
    return {
        "v1": client.get("/api/project/1").json()["versions"],
        "v1 list": [p["versions"] for p in v1_list if p["id"] == 1],
        "v2 list": [p["versions"] for p in v2_list if p["id"] == 1],
        "v2 versions": client.get("/api/v2/versions/", {"project_id": 1}).json()["versions"],
        "commit": "commit/edited" in page,
    }


def test_a_deleted_version_an_edited_commit_link_and_flags_come_at_once(
    anitya_db, tmp_path, fresh_caches
):
    """Changes on Anitya that leave the project's row as it was (an admin deleted a version,
    a commit link edited, a flag closed, a new flag) come in, and every cached answer shows
    them at the next request."""
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    client = APIClient()
    for _ in range(2):  # the second time, from the caches
        assert shown(client) == {
            "v1": ["2.31.0", "2.1.0", "2.0.0"],
            "v1 list": [["2.31.0", "2.1.0", "2.0.0"]],
            "v2 list": [["2.31.0", "2.1.0", "2.0.0"]],
            "v2 versions": ["2.31.0", "2.1.0", "2.0.0"],
            "commit": False,
        }
    later = T0 + dt.timedelta(days=400)
    anitya_db.execute("DELETE FROM projects_versions WHERE project_id = 1 AND version = '2.1.0'")
    anitya_db.execute(
        "UPDATE projects_versions SET commit_url = ? WHERE project_id = 8 AND version = 'v3'",
        "https://github.com/o/r/commit/edited",
    )
    anitya_db.execute(
        "UPDATE projects_flags SET state = 'closed', updated_on = ? WHERE id = 5", later
    )
    anitya_db.insert(
        "projects_flags",
        id=100,
        project_id=10,
        reason="Stale",
        user="carol@example.org",
        state="open",
        created_on=later,
        updated_on=later,
    )
    anitya_db.commit()
    out, _ = run_import(anitya_db, tmp_path)
    assert "projects +0 ~0 -0" in out
    assert "versions +0 ~1 -1" in out
    assert "flags +1 ~1 -0" in out
    assert shown(client) == {
        "v1": ["2.31.0", "2.0.0"],
        "v1 list": [["2.31.0", "2.0.0"]],
        "v2 list": [["2.31.0", "2.0.0"]],
        "v2 versions": ["2.31.0", "2.0.0"],
        "commit": True,
    }
    flags = {flag.pk: flag for flag in Flag.objects.all()}
    assert (flags[5].state, flags[5].updated_on) == ("closed", later)
    assert (flags[100].state, flags[100].author.email) == ("open", "carol@example.org")
    # A flag raised here afterwards gets an id past Anitya's (PostgreSQL: the sequence moved).
    raised = flag_create(
        Project.objects.get(pk=10), author=User.objects.get(pk=ALICE), reason="Moved"
    )
    assert raised.pk > 100
    # A third run finds nothing to do but the flag raised here, which goes: until the switch
    # Anitya's flags are the imported projects' flags (docs/migrating-from-anitya.md).
    out, _ = run_import(anitya_db, tmp_path)
    assert "projects +0 ~0 -0" in out
    assert "versions +0 ~0 -0" in out and "flags +0 ~0 -1" in out


def test_an_interrupted_import_resumes_where_it_stopped(anitya_db, tmp_path, monkeypatch):
    """The connection to Anitya lost in the third batch: the batches written stay, and the
    next run adds the rest and finds them unchanged."""
    fill(anitya_db)
    real = anitya_import.write_flags
    calls = []

    def lost(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SourceError("reading anitya: server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(anitya_import, "write_flags", lost)
    with pytest.raises(CommandError, match="server closed the connection"):
        run_import(anitya_db, tmp_path, "--batch-size", "2")
    written = Project.objects.count()
    assert written == 4  # two batches of two
    monkeypatch.setattr(anitya_import, "write_flags", real)
    out, _ = run_import(anitya_db, tmp_path, "--batch-size", "2")
    total = Project.objects.count()
    assert total > written
    assert f"projects +{total - written} ~0 -0 ={written}" in out
    assert ProjectFactory().pk > Project.objects.order_by("-id").values_list("id", flat=True)[1]
