"""``manage.py export_anitya_json``: what API v2 says, as JSON Lines, for every project."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from projects.models import Package, Project
from tests.projects.anitya_import.catalogue import fill
from tests.projects.anitya_import.test_import import run_import

pytestmark = pytest.mark.django_db(transaction=True)


def lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_export_says_what_api_v2_says(anitya_db, tmp_path, fresh_caches):
    fill(anitya_db)
    run_import(anitya_db, tmp_path)
    err = io.StringIO()
    call_command("export_anitya_json", "--out", str(tmp_path / "out"), stderr=err)
    projects = lines(tmp_path / "out" / "projects.jsonl")
    versions = lines(tmp_path / "out" / "versions.jsonl")
    packages = lines(tmp_path / "out" / "packages.jsonl")
    assert [p["id"] for p in projects] == sorted(Project.objects.values_list("id", flat=True))
    assert len(packages) == Package.objects.count()
    assert f"{len(projects)} projects in projects.jsonl" in err.getvalue()
    client = APIClient()
    for project, version in zip(projects, versions, strict=True):
        listed = client.get("/api/v2/projects/", {"name": project["name"]}).json()["items"]
        assert project in listed
        answer = client.get("/api/v2/versions/", {"project_id": project["id"]}).json()
        assert version == {"project_id": project["id"], **answer}
    every = client.get("/api/v2/packages/", {"items_per_page": 250}).json()["items"]
    assert sorted(packages, key=json.dumps) == sorted(every, key=json.dumps)


def test_an_unwritable_folder_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(CommandError, match="cannot write into"):
        call_command("export_anitya_json", "--out", str(tmp_path / "file" / "sub"))
