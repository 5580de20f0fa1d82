"""``manage.py import_anitya`` over a real Anitya schema: what users then see through both APIs."""

from __future__ import annotations

import csv
import io
import logging

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from messaging.models import OutboxMessage
from projects.models import AuditEntry, Flag, Project
from tests.projects.anitya_import.catalogue import ALICE, ALICE_TOKEN, BOB, CAROL, RPM_ORDER, fill

pytestmark = pytest.mark.django_db(transaction=True)


def run_import(
    db, tmp_path, *extra: str, stderr: io.StringIO | None = None
) -> tuple[str, list[dict[str, str]]]:
    """The summary the import prints on stdout, and the rows of its CSV report; the progress
    goes to ``stderr``."""
    report = tmp_path / "report.csv"
    out = io.StringIO()
    call_command(
        "import_anitya",
        "--from",
        db.location,
        "--report",
        str(report),
        *extra,
        stdout=out,
        stderr=stderr or io.StringIO(),
    )
    return out.getvalue(), list(csv.DictReader(report.open(encoding="utf-8")))


def v1(client: APIClient, pid: int) -> dict:
    answer = client.get(f"/api/project/{pid}")
    assert answer.status_code == 200, answer.content
    return answer.json()


def v2(client: APIClient, name: str) -> list[dict]:
    answer = client.get("/api/v2/projects/", {"name": name, "items_per_page": 250})
    assert answer.status_code == 200, answer.content
    return answer.json()["items"]


@pytest.mark.parametrize("batch_size", ["1000", "2"])
def test_every_project_keeps_its_id_versions_order_mappings_and_latest(
    anitya_db, tmp_path, fresh_caches, batch_size
):
    expected = fill(anitya_db)
    err = io.StringIO()
    run_import(anitya_db, tmp_path, "--batch-size", batch_size, stderr=err)
    # A progress line per batch of projects (ids 1 to 40 in batches of 2: at least 6).
    lines = err.getvalue().splitlines()
    assert len([line for line in lines if line.startswith("projects ")]) >= (
        6 if batch_size == "2" else 1
    )
    client = APIClient()
    ids = sorted({*expected.versions, *expected.names, 5, 6, 10, 20, 21})
    for pid in ids:
        one = v1(client, pid)
        assert one["id"] == pid
        if pid in expected.names:
            assert one["name"] == expected.names[pid]
        assert one["versions"] == expected.versions.get(pid, [])
        assert one["version"] == (expected.versions.get(pid) or [None])[0]
        assert one["packages"] == expected.mappings.get(pid, [])
        listed = [item for item in v2(client, one["name"]) if item["id"] == pid]
        assert len(listed) == 1
        assert listed[0]["versions"] == one["versions"]
        assert listed[0]["version"] == one["version"]
    assert v1(client, 2)["versions"] == RPM_ORDER
    # Names differing only by case are two projects, as on Anitya.
    assert {item["id"] for item in v2(client, "foo")} == {3, 4}
    assert client.get("/api/project/9").status_code == 404


def test_awkward_rows_come_in_safe_and_reported(anitya_db, tmp_path):
    fill(anitya_db)
    _, rows = run_import(anitya_db, tmp_path)
    by = {(row["table"], row["id"], row["field"]): row for row in rows}
    oddball = Project.objects.get(pk=5)
    assert (oddball.backend, oddball.archived) == ("custom", True)
    assert "Vanished Forge" in by["projects", "5", "backend"]["value"]
    assert "Archived on import" in oddball.logs
    bomb = Project.objects.get(pk=6)
    assert (bomb.regex, bomb.archived) == (None, True)
    assert ("projects", "6", "regex") in by
    assert Project.objects.get(pk=7).archived
    assert by["distros", "fedora", "name"]["reason"].startswith("differs only by case")
    assert ("projects", "21", "name") in by
    # Anitya kept the homepage as ecosystem of this npm project: ours is npm's (reported).
    assert by["projects", "21", "ecosystem_name"]["value"] == "https://leftpad.example"
    assert by["projects", "21", "ecosystem_name"]["reason"].endswith("Derived as 'npm'.")
    if anitya_db.dialect == "sqlite":
        assert Project.objects.get(pk=30).version_prefix is None
        assert ("projects", "30", "version_prefix") in by
        assert ("projects_versions", "30/" + "9" * 60, "version") in by


def test_users_tokens_flags_and_identities(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    alice, bob, carol = (User.objects.get(pk=pk) for pk in (ALICE, BOB, CAROL))
    assert (alice.email, alice.username, alice.admin, alice.is_active) == (
        "alice@example.org",
        "alice",
        True,
        True,
    )
    assert not bob.is_active
    assert not alice.has_usable_password()
    flags = {flag.pk: flag for flag in Flag.objects.all()}
    assert (flags[5].author, flags[5].state, flags[5].reason) == (alice, "open", "Wrong homepage")
    assert (flags[6].author, flags[6].state) == (None, "closed")
    assert [(a.provider, a.uid) for a in carol.socialaccount_set.all()] == [("github", "4242")]
    assert alice.emailaddress_set.get().verified


def test_a_token_created_on_anitya_works_against_the_v2_api(anitya_db, tmp_path):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    client = APIClient()
    assert client.get("/api/v2/watches/").status_code in (401, 403)
    answer = client.get("/api/v2/watches/", HTTP_AUTHORIZATION=f"Token {ALICE_TOKEN}")
    assert answer.status_code == 200
    assert not User.objects.filter(api_tokens__key_hash=ALICE_TOKEN).exists()  # stored hashed


def test_no_message_is_sent_and_each_project_gets_one_import_entry(anitya_db, tmp_path, caplog):
    fill(anitya_db)
    with caplog.at_level(logging.INFO, logger="projects.anitya_import"):
        run_import(anitya_db, tmp_path)
    logged = [r.getMessage() for r in caplog.records if r.name == "projects.anitya_import"]
    assert len(logged) == 1 and "projects +" in logged[0]
    assert not OutboxMessage.objects.exists()
    entries = AuditEntry.objects.filter(kind=AuditEntry.Kind.PROJECT_IMPORT)
    assert sorted(entries.values_list("project_id", flat=True)) == sorted(
        Project.objects.values_list("id", flat=True)
    )
