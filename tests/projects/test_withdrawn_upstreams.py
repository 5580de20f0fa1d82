"""Withdrawals the upstreams state themselves (issue #20), through a whole check.

A registry that marks a release withdrawn (crates.io and PyPI "yanked", Hex "retired",
pub.dev "retracted", conda-forge's "broken" label) makes a stored copy of it withdrawn on any
check, even one whose backend does not list every version; a backend that usually lists every
version but answered with part of the list (rubygems.org's "latest only" fallback) withdraws
nothing for being missing.

The answers are the recordings of tests/fixtures/upstream-recordings/ (pub.dev's real
shared_preferences answer has a retracted version; rubygems.org's is the real ``latest.json``)
or, where no recording holds a withdrawn release, a recording with one flag set (crates.io,
conda), or the upstream's documented shape (Hex, the simple API's PEP 691 JSON and PEP 592
HTML), as each test says.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
import responses

from backends.http import guard
from projects import check
from projects.models import ProjectVersion
from tests.backends.conftest import recorded_case, replay
from tests.factories import ProjectFactory, ProjectVersionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: ["93.184.215.14"])


def stored_project(backend: str, name: str, raws: list[str], **fields):
    fields = {"version_url": None, **fields}
    project = ProjectFactory(backend=backend, name=name, latest_version=raws[-1], **fields)
    for raw in raws:
        ProjectVersionFactory(project=project, version=raw)
    return project


def withdrawn(project) -> set[str]:
    rows = ProjectVersion.objects.filter(project=project, withdrawn_on__isnull=False)
    return set(rows.values_list("version", flat=True))


def check_with(project, case, *, now=NOW) -> check.CheckResult:
    with responses.RequestsMock() as mock:
        replay(mock, case)
        result = check.check_project(project, now=now)
    assert result.outcome is check.Outcome.SUCCESS, result
    project.refresh_from_db()
    return result


def with_body(case: dict, body: object, url: str | None = None) -> dict:
    """``case`` with its first answer's body replaced (and its URL, if given)."""
    changed = copy.deepcopy(case)
    interaction = changed["interactions"][0]
    interaction["body"] = json.dumps(body)
    if url is not None:
        interaction["url"] = url
    return changed


def test_a_retracted_pub_dev_version_is_withdrawn_and_missing_ones_are_kept():
    # The real answer: shared_preferences 0.1.2 is "retracted": true.
    case = recorded_case("pub-dev.json", "pub-dev-shared-preferences")
    # 0.0.9 is not in the answer: pub.dev's backend does not claim to list every version,
    # so missing is no withdrawal; the retraction is pub.dev's own word.
    project = stored_project("pub.dev", "shared_preferences", ["0.0.9", "0.1.1", "0.1.2"])

    result = check_with(project, case)

    assert withdrawn(project) == {"0.1.2"}
    assert project.versions.filter(version="0.1.2").exists()  # kept, not deleted
    assert "0.1.2" not in result.new_versions
    assert project.latest_version == "0.5.8"


def test_a_yanked_crate_version_is_withdrawn_and_the_latest_replaced():
    # The real itoa answer (0.2.1, 0.2.0, 0.1.1, 0.1.0) with 0.2.1's "yanked" set to true.
    case = recorded_case("crates-io.json", "crates-io-1")
    answer = json.loads(case["interactions"][0]["body"])
    answer["versions"][0]["yanked"] = True
    assert answer["versions"][0]["num"] == "0.2.1"
    project = stored_project("crates.io", "itoa", ["0.1.0", "0.1.1", "0.2.0", "0.2.1"])

    check_with(project, with_body(case, answer))

    assert withdrawn(project) == {"0.2.1"}
    assert project.latest_version == "0.2.0"

    # Un-yanked (the recording as it is): it comes back as the latest, announced as nothing new.
    result = check_with(project, case, now=LATER)
    assert withdrawn(project) == set()
    assert project.latest_version == "0.2.1"
    assert result.new_versions == ()


def test_a_yanked_crate_version_never_seen_is_not_stored():
    case = recorded_case("crates-io.json", "crates-io-1")
    answer = json.loads(case["interactions"][0]["body"])
    answer["versions"][0]["yanked"] = True
    project = stored_project("crates.io", "itoa", ["0.1.0"])

    result = check_with(project, with_body(case, answer))

    assert set(result.new_versions) == {"0.1.1", "0.2.0"}
    assert not project.versions.filter(version="0.2.1").exists()
    assert project.latest_version == "0.2.0"


def hex_release(version: str, inserted_at: str) -> dict:
    return {"version": version, "inserted_at": inserted_at, "has_docs": True}


def test_a_retired_hex_release_is_withdrawn():
    # The shape of hex.pm's GET /api/packages/<name> (see tests/backends/upstreams/test_hex.py).
    url = "https://hex.pm/api/packages/phoenix"
    answer = {
        "name": "phoenix",
        "releases": [
            hex_release("1.6.16", "2023-02-20T17:10:37.391584Z"),
            hex_release("1.6.15", "2022-10-26T14:58:47Z"),
            hex_release("1.6.14", "2022-10-10T13:50:00Z"),
        ],
        "retirements": {"1.6.16": {"reason": "invalid", "message": "Use 1.6.15 instead"}},
    }
    case = {"interactions": [{"url": url, "status": 200, "body": json.dumps(answer)}]}
    project = stored_project("Hex.pm", "phoenix", ["1.6.14", "1.6.15", "1.6.16"])

    check_with(project, case)

    assert withdrawn(project) == {"1.6.16"}
    assert project.latest_version == "1.6.15"


def test_a_conda_version_moved_to_the_broken_label_is_withdrawn():
    # The real pytest answer of the main channel, its one build (3.10.0) moved to "broken".
    case = recorded_case("conda.json", "conda-1")
    answer = json.loads(case["interactions"][0]["body"])
    assert [file["version"] for file in answer["files"]] == ["3.10.0"]
    answer["files"][0]["labels"] = ["broken"]
    project = stored_project("conda", "pytest", ["3.9.3", "3.10.0"], version_url="main")

    check_with(project, with_body(case, answer))

    assert withdrawn(project) == {"3.10.0"}
    assert project.latest_version != "3.10.0"


SIMPLE = "https://pypi.org/simple/foo-bar/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


def simple_case(body: str, content_type: str) -> dict:
    headers = {"Content-Type": content_type}
    return {"interactions": [{"url": SIMPLE, "status": 200, "headers": headers, "body": body}]}


def test_a_version_yanked_on_a_pep_691_index_is_withdrawn():
    def answer(yanked: object) -> str:
        files = [
            {"filename": "foo_bar-1.0.tar.gz", "url": "u", "hashes": {}},
            {"filename": "foo_bar-1.1.tar.gz", "url": "u", "hashes": {}, "yanked": yanked},
            {
                "filename": "foo_bar-1.1-py3-none-any.whl",
                "url": "u",
                "hashes": {},
                "yanked": yanked,
            },
        ]
        return json.dumps({"meta": {"api-version": "1.1"}, "name": "foo-bar", "files": files})

    project = stored_project("PyPI simple", "foo-bar", ["1.0", "1.1"])

    check_with(project, simple_case(answer("broken wheel"), SIMPLE_JSON))
    assert withdrawn(project) == {"1.1"}
    assert project.latest_version == "1.0"

    check_with(project, simple_case(answer(False), SIMPLE_JSON), now=LATER)
    assert withdrawn(project) == set()
    assert project.latest_version == "1.1"


def test_a_version_yanked_on_a_pep_592_html_index_is_withdrawn():
    # data-yanked marks a yanked file, even without a reason (PEP 592).
    html = """<!DOCTYPE html><html><body>
<a href="/f/foo_bar-1.0.tar.gz#sha256=1">foo_bar-1.0.tar.gz</a>
<a href="/f/foo_bar-1.1.tar.gz#sha256=2" data-yanked="">foo_bar-1.1.tar.gz</a>
</body></html>"""
    project = stored_project("PyPI simple", "foo-bar", ["1.0", "1.1"])

    check_with(project, simple_case(html, "text/html"))

    assert withdrawn(project) == {"1.1"}
    assert project.latest_version == "1.0"


def test_rubygems_latest_only_answer_withdraws_nothing():
    """rubygems.org lists every version, but when its full list answers 404 the backend reads
    ``latest.json`` (the real recording): that partial answer must not withdraw the rest."""
    case = copy.deepcopy(recorded_case("rubygems.json", "rubygems-1"))
    full_list = {"url": "https://rubygems.org/api/v1/versions/bio.json", "status": 404, "body": ""}
    case["interactions"].insert(0, full_list)
    # One of two missing: a complete list would withdraw it (the guard allows half).
    project = stored_project("Rubygems", "bio", ["1.5.0", "1.5.1"])

    check_with(project, case)

    assert withdrawn(project) == set()
    assert project.latest_version == "1.5.1"
