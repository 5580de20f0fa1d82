"""A generated catalogue (tests/projects/anitya_import/generated.py) imported, then compared
project by project through API v1 and v2 with the answers its oracle computed from the
generated rows: same ids, versions in the same order, mappings, latest versions; users,
tokens, identities and flags as Anitya had them; every awkward row in the report."""

from __future__ import annotations

import io
import json

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from messaging.models import OutboxMessage
from projects.models import Flag, Project, ProjectVersion
from tests.projects.anitya_import.generated import Catalogue, change, generate
from tests.projects.anitya_import.test_import import run_import

pytestmark = pytest.mark.django_db(transaction=True)


def every_item(client: APIClient, path: str) -> list[dict]:
    items: list[dict] = []
    page = 1
    while True:
        body = client.get(path, {"page": page, "items_per_page": 250}).json()
        items += body["items"]
        if len(items) >= body["total_items"]:
            return items
        page += 1


def project_answer(expected) -> dict:
    return {
        "id": expected.id,
        "name": expected.name,
        "homepage": expected.homepage,
        "backend": expected.backend,
        "version_url": expected.version_url,
        "regex": expected.regex,
        "ecosystem": expected.ecosystem,
        "versions": expected.versions,
        "stable_versions": expected.versions,
        "version": expected.latest,
        "created_on": expected.created_on,
        "updated_on": expected.updated_on,
    }


@pytest.fixture(autouse=True)
def _without_throttling(settings):
    """A comparison asks about each of 330 projects several times: more than an anonymous
    client may ask in a window (the throttle is pinned in tests/projects/api)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "none", "user": "none"},
    }


@pytest.fixture
def imported(anitya_db, tmp_path, fresh_caches) -> tuple[Catalogue, list[dict[str, str]]]:
    catalogue = generate(anitya_db)
    _, report = run_import(anitya_db, tmp_path)
    return catalogue, report


def test_every_project_answers_as_the_oracle_says_through_v1_and_v2(imported):
    catalogue, _ = imported
    assert len(catalogue.projects) > 300
    assert_answers(APIClient(), catalogue)


def assert_answers(client: APIClient, catalogue: Catalogue) -> None:
    """Every project through API v1 and v2, as the oracle says; archived as it says."""
    listed = {item["id"]: item for item in every_item(client, "/api/v2/projects/")}
    assert sorted(listed) == sorted(catalogue.projects)  # the same ids, gaps kept
    for pid, expected in catalogue.projects.items():
        want = project_answer(expected)
        one = client.get(f"/api/project/{pid}").json()
        assert {key: one[key] for key in want} == want, pid
        assert one["packages"] == sorted(
            expected.packages, key=lambda p: (p["distro"].lower(), p["package_name"])
        ), pid
        assert {key: listed[pid][key] for key in want} == want, pid
        by_name = client.get("/api/v2/projects/", {"name": expected.name}).json()
        assert "items" in by_name, (pid, by_name)
        by_name = by_name["items"]
        assert [item["id"] for item in by_name if item["id"] == pid] == [pid]
        versions = client.get("/api/v2/versions/", {"project_id": pid}).json()
        assert (versions["versions"], versions["latest_version"]) == (
            expected.versions,
            expected.latest,
        ), pid
    assert client.get("/api/project/13").status_code == 404  # deleted on Anitya
    archived = dict(Project.objects.values_list("id", "archived"))
    assert archived == {pid: p.archived for pid, p in catalogue.projects.items()}


def test_every_setting_check_state_and_version_row_as_on_anitya(imported):
    """What the APIs do not show: filters, flags, the check state, retrieval times and commit
    links."""
    assert_rows(imported[0])


def assert_rows(catalogue: Catalogue) -> None:
    fields = [*next(iter(catalogue.projects.values())).stored]
    stored = {row["id"]: row for row in Project.objects.values("id", *fields)}
    for pid, expected in catalogue.projects.items():
        want = dict(expected.stored)
        got = stored[pid]
        if pid in (900, 901):  # archived on import: a note heads the logs
            assert got.pop("logs").startswith("Archived on import from Anitya: "), pid
            want.pop("logs")
        assert {key: got[key] for key in want} == want, pid
    rows: dict[int, set] = {pid: set() for pid in catalogue.projects}
    for pid, version, created, commit_url in ProjectVersion.objects.values_list(
        "project_id", "version", "created_on", "commit_url"
    ):
        rows[pid].add((version, created, commit_url))
    assert rows == {pid: p.raw_versions for pid, p in catalogue.projects.items()}


def test_every_mapping_through_v2_packages(imported):
    assert_packages(APIClient(), imported[0])


def assert_packages(client: APIClient, catalogue: Catalogue) -> None:
    got = sorted(
        (p["distribution"], p["name"], p["project"], p["ecosystem"], p["version"])
        for p in every_item(client, "/api/v2/packages/")
    )
    want = sorted(
        (m["distro"], m["package_name"], p.name, p.ecosystem, p.latest)
        for p in catalogue.projects.values()
        for m in p.packages
    )
    assert len(want) > 100
    assert got == want


def test_users_tokens_identities_and_flags_as_on_anitya(imported):
    catalogue, _ = imported
    client = APIClient()
    for user in catalogue.users:
        here = catalogue.user_ids[user.id]
        stored = User.objects.get(pk=here)
        if here == user.id:
            assert (stored.email, stored.admin, stored.is_active) == (
                user.email,
                user.admin,
                user.active is not False,
            )
            assert stored.username == (user.username or user.email.split("@")[0])
        else:  # e-mails differing only by case: one account
            assert not User.objects.filter(pk=user.id).exists()
            assert stored.email.lower() == user.email.lower()
        for token in user.tokens:
            answer = client.get("/api/v2/watches/", HTTP_AUTHORIZATION=f"Token {token}")
            assert answer.status_code == (200 if stored.is_active else 401), user.email
    carried = {
        (provider, uid, catalogue.user_ids[user.id])
        for user in catalogue.users
        for provider, uid in user.identities
        if provider in ("github", "gitlab")
    }
    assert carried
    assert set(SocialAccount.objects.values_list("provider", "uid", "user_id")) == carried
    assert_flags(catalogue)


def assert_flags(catalogue: Catalogue) -> None:
    flags = {
        flag.pk: (flag.project_id, flag.state, flag.author.email if flag.author else None)
        for flag in Flag.objects.select_related("author")
    }
    assert flags == catalogue.flags
    assert {state for _, state, _ in flags.values()} == {"open", "closed"}


def test_every_awkward_row_is_in_the_report(imported):
    catalogue, report = imported
    by = {(row["table"], row["id"], row["field"]): row["reason"] for row in report}
    merged = next(u for u in catalogue.users if catalogue.user_ids[u.id] != u.id)
    no_username = next(u for u in catalogue.users if not u.username)
    pending = max(catalogue.flags)  # the last flag written, in a state Anitya never had
    ghost = min(pk for pk, (pid, _, author) in catalogue.flags.items() if pid == 907 and not author)
    expected = {
        ("projects", "900", "backend"): "Replaced by 'custom'; the project is archived.",
        ("projects", "901", "regex"): "Cleared; the project is archived.",
        ("projects", "909", "name"): "Renamed 'leftpad (anitya #909)'.",
        ("projects", "909", "ecosystem_name"): "Derived as 'npm'.",
        ("projects", "910", "ecosystem_name"): "Derived as 'npm'.",
        ("projects", "911", "version_url"): "the URL is stored without them.",
        ("projects", "912", "backend"): "Stored as 'PyPI' (our rules).",
        ("projects", "912", "ecosystem_name"): "Derived as 'pypi'.",
        ("projects", "913", "name"): "Stored as 'spaced' (our rules).",
        ("projects", "914", "backend"): "No backend. Replaced by 'custom'.",
        ("projects", "915", "name"): "No name. Replaced by 'anitya-915'.",
        ("projects_versions", "904/", "version"): "empty: not imported",
        ("projects_flags", str(pending), "state"): "unknown state: open",
        ("projects_flags", str(ghost), "user"): "no such user here: the flag has no author",
        ("users", str(merged.id), "email"): "merged into that user",
        ("users", str(no_username.id), "username"): "is used",
        ("distros", "fedora", "name"): "merged",
        ("packages", None, "package_name"): "mapping not imported",
    }
    casedup = [row for row in report if row["table"] == "packages"]
    assert len(casedup) == 1
    by["packages", None, "package_name"] = casedup[0]["reason"]
    for key, ending in expected.items():
        assert key in by, key
        assert by[key].endswith(ending) or ending in by[key], (key, by[key])
    social = {row["value"] for row in report if row["table"] == "social_auth_usersocialauth"}
    assert social == {"fedora", "google-oauth2", "openid"}
    assert not any("hunter2" in value for row in report for value in row.values())
    # Every fifth flag has no creation time (generated.py): reported.
    assert {int(key[1]) for key in by if key[0] == "projects_flags" and key[2] == "created_on"} == {
        pk for pk in catalogue.flags if pk % 5 == 0
    }


def test_a_second_import_of_the_same_catalogue_changes_nothing(imported, anitya_db, tmp_path):
    catalogue, _ = imported
    out, _ = run_import(anitya_db, tmp_path)
    for kind in ("users", "tokens", "projects", "versions", "mappings", "flags"):
        assert f"{kind} +0 ~0 -0 =" in out, kind
    assert f"projects +0 ~0 -0 ={len(catalogue.projects)}" in out


def test_a_re_import_brings_exactly_the_changes_made_on_anitya(imported, anitya_db, tmp_path):
    """Versions added and deleted (the project's row untouched), commit links edited, a
    rename, projects deleted and added, mappings and flags: the summary counts exactly those,
    and every answer (read before, so from the caches where they hold) says what the oracle
    says."""
    catalogue, _ = imported
    client = APIClient()
    assert_answers(client, catalogue)  # the caches hold the first import's answers
    counts = change(anitya_db, catalogue)
    versions = ProjectVersion.objects.count()
    dry, _ = run_import(anitya_db, tmp_path, "--dry-run")  # says the same, writes nothing
    assert ProjectVersion.objects.count() == versions
    out, _ = run_import(anitya_db, tmp_path)
    for kind, count in counts.items():
        assert count in dry, (kind, dry)
        assert count in out, (kind, out)
    assert_answers(client, catalogue)
    assert_rows(catalogue)
    assert_packages(client, catalogue)
    assert_flags(catalogue)
    assert not OutboxMessage.objects.exists()  # history Anitya announced: nothing is sent


def test_the_export_gives_back_what_anitya_had(imported, tmp_path):
    """``export_anitya_json``: the generated catalogue comes out in API v2's shapes as the
    oracle says, so nothing is locked in."""
    catalogue, _ = imported
    call_command("export_anitya_json", "--out", str(tmp_path / "out"), stderr=io.StringIO())

    def lines(name: str) -> list[dict]:
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    projects = {p["id"]: p for p in lines("projects.jsonl")}
    assert sorted(projects) == sorted(catalogue.projects)
    for pid, expected in catalogue.projects.items():
        want = project_answer(expected)
        assert {key: projects[pid][key] for key in want} == want, pid
    versions = {v["project_id"]: v for v in lines("versions.jsonl")}
    assert {pid: (v["versions"], v["latest_version"]) for pid, v in versions.items()} == {
        pid: (p.versions, p.latest) for pid, p in catalogue.projects.items()
    }
    exported = sorted((p["distribution"], p["name"], p["project"]) for p in lines("packages.jsonl"))
    assert exported == sorted(
        (m["distro"], m["package_name"], p.name)
        for p in catalogue.projects.values()
        for m in p.packages
    )
