"""The API's answers, byte for byte: a fixed catalogue, a sample of v1 and v2 requests, and
the exact answers they got, kept under ``tests/projects/api/answers/``.

This pins how single-project answers and lists are assembled (``projects/representations``,
the v1 and v2 views) so that a change of that machinery (caches, cheaper assembly) can be
shown to change nothing a client sees. Each golden answer is two things:

- ``answers/<name>.json`` (``.txt`` for the v1 wiki): the exact body bytes, no newline added;
- its entry in ``answers/index.json``: the request, the status code and the headers that
  describe the body (``Content-Type``, ``ETag``, ``Last-Modified``; absent ones are null).

Every request is asked twice in a row (the second answer may come from a cache), and the
whole sample again in reverse order; all must equal the golden files. Two more tests make a
change through the services and expect new golden answers where it shows and the old ones
elsewhere: no cache may serve the old bytes, and the old ETag must no longer get a 304.

- ``changed.*``: two projects' version lists (``services.versions_delete``, ``check.record``);
- ``mapped.*``: a new mapping and a renamed distro (``services.package_map``,
  ``services.distro_rename``), which move no project's ``updated_on``.

The tests commit (``transaction=True``): the answer caches are bypassed inside a transaction
(``catalogue.generation`` is None there), so a rolled-back test would never exercise them.
Every value an answer shows is fixed (primary keys, ``created_on``, ``updated_on``, version
times); the services' clock is frozen where they read it. The answers are the same on SQLite
and PostgreSQL.

Recording: ``RELEASEMON_RECORD_ANSWERS=1`` makes the tests write the golden files from the
current code instead of comparing (they still require a repeated request to answer the same
bytes)::

    RELEASEMON_RECORD_ANSWERS=1 .venv/bin/python -m pytest -q -p no:cacheprovider \\
        tests/projects/api/test_answers_unchanged.py

Record only on purpose (an intended change of the API's answers), and review the diff.
Recording adds and overwrites files but deletes none: after renaming or dropping a request,
delete its files (``test_every_golden_file_belongs_to_a_request`` names the strays).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from backends.pipeline import FoundVersion, Preview
from projects import check, services
from projects.models import Distro, Package, Project, ProjectVersion

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = Path(__file__).parent / "answers"
INDEX = ANSWERS / "index.json"
RECORDING = os.environ.get("RELEASEMON_RECORD_ANSWERS") == "1"
HEADERS = ("Content-Type", "ETag", "Last-Modified")


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


# -- the catalogue ----------------------------------------------------------------------------
# Explicit primary keys everywhere: PostgreSQL's sequences are not reset between tests. The
# ranges are far above what a sequence reaches in the suite; the sequences are then moved past
# them (build_catalogue), so that rows the services create never collide with them.

REQUESTS, LEFT_PAD, GEOIP, UNICODE, OLDTHING, EMPTY, PYFOO, OTHER_REQUESTS = range(7001, 7009)
UNKNOWN = 999_999

PROJECTS: list[dict[str, object]] = [
    {
        "pk": REQUESTS,
        "name": "requests",
        "homepage": "https://pypi.org/project/requests",
        "backend": "PyPI",
        "version_url": None,
        "latest_version": "2.32.1rc1",
        "check_successful": True,
        "last_check": utc(2024, 5, 29, 10, 11, 12),
        "created_on": utc(2019, 1, 2, 3, 4, 5, 678901),
        "updated_on": utc(2024, 5, 29, 10, 11, 12, 123456),
    },
    {
        "pk": LEFT_PAD,
        "name": "left-pad",
        "homepage": "https://www.npmjs.com/package/left-pad",
        "backend": "npmjs",
        "version_url": None,
        "version_scheme": "Semantic",
        "latest_version": "2.0.0-beta.1",
        "created_on": utc(2016, 3, 22, 23, 59, 59),
        "updated_on": utc(2023, 11, 30, 0, 0, 1),
    },
    {
        "pk": GEOIP,
        "name": "GeoIP",
        "homepage": "https://github.com/maxmind/geoip-api-c",
        "backend": "GitHub",
        "version_url": "maxmind/geoip-api-c",
        "version_prefix": "v",
        "version_filter": "beta",
        "latest_version": "1.7.0",
        "created_on": utc(2015, 6, 1, 12, 0, 0),
        "updated_on": utc(2022, 2, 2, 2, 2, 2, 200000),
    },
    {
        "pk": UNICODE,
        "name": "Ünïcödé-tool",
        "homepage": "https://example.org/unicode-tool",
        "backend": "custom",
        "version_url": "https://example.org/unicode-tool/downloads/",
        # Backslashes, quotes, non-ASCII and U+2028 (which the JSON escapes): a regex is
        # shown verbatim by v1, v2 and the wiki, and never run here.
        "regex": 'Ünïcödé-tool-([\\d.]+)\\.tar\\.gz|"\u2028"',
        "version_scheme": "Calendar",
        "latest_version": "2024.01.1",
        "created_on": utc(2023, 10, 1, 8, 0, 0),
        "updated_on": utc(2024, 1, 15, 16, 45, 0, 1),
    },
    {
        "pk": OLDTHING,
        "name": "oldthing",
        "homepage": "https://sourceforge.net/projects/oldthing",
        "backend": "Sourceforge",
        "version_url": "oldthing",
        "archived": True,
        "latest_version": "1.0",
        "created_on": utc(2010, 7, 7, 7, 7, 7),
        "updated_on": utc(2012, 12, 12, 12, 12, 12),
    },
    {
        "pk": EMPTY,
        "name": "empty-project",
        "homepage": "https://example.com/empty",
        "backend": "custom",
        "version_url": None,
        "latest_version": None,
        "check_successful": False,
        "error_counter": 3,
        "created_on": utc(2024, 2, 29, 0, 0, 0),
        "updated_on": utc(2024, 3, 1, 0, 0, 0),
    },
    {
        "pk": PYFOO,
        "name": "pyfoo",
        "homepage": "https://pypi.org/project/pyfoo",
        "backend": "PyPI",
        "version_url": None,
        "version_scheme": "Python (PEP 440)",
        "pre_release_filter": "dev",
        "version_filter": "rc",
        "latest_version": "0.2.0.dev1",
        "created_on": utc(2021, 4, 5, 6, 7, 8),
        "updated_on": utc(2021, 9, 10, 11, 12, 13),
    },
    {
        "pk": OTHER_REQUESTS,
        "name": "requests",
        "homepage": "https://example.com/requests",
        "backend": "custom",
        "version_url": "https://example.com/requests/releases/",
        "regex": "requests-(.*)\\.zip",
        "latest_version": "1.0",
        "created_on": utc(2020, 1, 1, 0, 0, 0),
        "updated_on": utc(2020, 1, 2, 0, 0, 0),
    },
]

# (pk, project, raw version, created_on, published_at)
VERSIONS: list[tuple[int, int, str, dt.datetime, dt.datetime | None]] = [
    (9_000_001, REQUESTS, "2.31.0", utc(2023, 5, 22, 14, 30, 0), None),
    (9_000_002, REQUESTS, "2.32.0", utc(2024, 5, 20, 19, 0, 0, 500000), utc(2024, 5, 20, 18, 0)),
    (
        9_000_003,
        REQUESTS,
        "2.32.1rc1",
        utc(2024, 5, 29, 10, 11, 12, 123),
        utc(2024, 5, 29, 9, 0, 0),
    ),
    (9_000_004, LEFT_PAD, "1.0.0", utc(2016, 3, 23, 0, 0, 0), None),
    (9_000_005, LEFT_PAD, "1.3.0", utc(2016, 3, 25, 0, 0, 0), None),
    (9_000_006, LEFT_PAD, "1.1.0", utc(2016, 3, 24, 0, 0, 0), None),
    (9_000_007, LEFT_PAD, "2.0.0-beta.1", utc(2023, 11, 30, 0, 0, 1), None),
    (9_000_008, GEOIP, "v1.6.9", utc(2016, 1, 1, 0, 0, 0), None),
    (9_000_009, GEOIP, "v1.6.12", utc(2018, 1, 1, 0, 0, 0), None),
    (9_000_010, GEOIP, "v1.7.0", utc(2022, 2, 2, 2, 2, 2), utc(2022, 2, 1, 0, 0, 0)),
    (9_000_011, GEOIP, "v1.7.1-beta", utc(2022, 3, 3, 3, 3, 3), None),  # the filter hides it
    (9_000_012, UNICODE, "2023.10", utc(2023, 10, 1, 8, 0, 0), None),
    (9_000_013, UNICODE, "2024.01", utc(2024, 1, 2, 0, 0, 0), None),
    (9_000_014, UNICODE, "2024.01.1", utc(2024, 1, 15, 16, 45, 0), None),
    (9_000_015, OLDTHING, "0.9", utc(2011, 1, 1, 0, 0, 0), None),
    (9_000_016, OLDTHING, "1.0", utc(2012, 12, 12, 12, 12, 12), None),
    (9_000_017, PYFOO, "0.1.0", utc(2021, 4, 5, 6, 7, 8), None),
    (9_000_018, PYFOO, "0.1.1", utc(2021, 5, 5, 6, 7, 8), None),
    (9_000_019, PYFOO, "0.2.0.dev1", utc(2021, 9, 10, 11, 12, 13), None),
    (9_000_020, PYFOO, "0.2.0rc1", utc(2021, 9, 11, 0, 0, 0), None),  # the filter hides it
    (9_000_021, OTHER_REQUESTS, "1.0", utc(2020, 1, 2, 0, 0, 0), None),
]

FEDORA, DEBIAN, ARCH, CAFE, ZETA = range(9_100_001, 9_100_006)
DISTROS = {
    FEDORA: "Fedora",
    DEBIAN: "debian",
    ARCH: "Arch Linux",
    CAFE: "Café OS",
    ZETA: "Zeta & Co.",
}

# (pk, distro, package name, project)
PACKAGES: list[tuple[int, int, str, int]] = [
    (9_200_001, FEDORA, "python-requests", REQUESTS),
    (9_200_002, DEBIAN, "python3-requests", REQUESTS),
    (9_200_003, ARCH, "lib geoip+ext", GEOIP),
    (9_200_004, FEDORA, "nodejs-left-pad", LEFT_PAD),
    (9_200_005, FEDORA, "ünïcödé-tool", UNICODE),
    (9_200_006, DEBIAN, "oldthing", OLDTHING),
    (9_200_007, ARCH, "python-requests", OTHER_REQUESTS),
    (9_200_008, CAFE, "pyfoo", PYFOO),
]


def build_catalogue() -> None:
    for pk, name in DISTROS.items():
        Distro.objects.create(pk=pk, name=name)
    for fields in PROJECTS:
        # next_check is never shown; fixed anyway, so that nothing depends on the clock.
        Project.objects.create(next_check=utc(2030, 1, 1), **fields)
    ProjectVersion.objects.bulk_create(
        ProjectVersion(pk=pk, project_id=project, version=raw, created_on=at, published_at=pub)
        for pk, project, raw, at, pub in VERSIONS
    )
    Package.objects.bulk_create(
        Package(pk=pk, distro_id=distro, package_name=name, project_id=project)
        for pk, distro, name, project in PACKAGES
    )
    # The next row a service creates (a version, a mapping) gets the next primary key on both
    # databases, as SQLite's AUTOINCREMENT does by itself: the v1 wiki orders ties by it.
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Distro, Project, ProjectVersion, Package]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


# -- the requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One request and the name of its golden answer."""

    name: str
    path: str
    method: str = "GET"
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        extra = f" {self.form}" if self.form else ""
        extra += f" {self.headers}" if self.headers else ""
        return f"{self.method} {self.path}{extra}"


SAMPLE = [
    # v1: single projects
    Ask("v1.version", "/api/version/"),
    Ask("v1.project.requests", f"/api/project/{REQUESTS}"),
    Ask("v1.project.left-pad.slash", f"/api/project/{LEFT_PAD}/"),
    Ask("v1.project.geoip-prefix-filter", f"/api/project/{GEOIP}"),
    Ask("v1.project.unicode", f"/api/project/{UNICODE}"),
    Ask("v1.project.archived", f"/api/project/{OLDTHING}"),
    Ask("v1.project.no-versions", f"/api/project/{EMPTY}"),
    Ask("v1.project.pre-release-filter", f"/api/project/{PYFOO}"),
    Ask("v1.project.unknown", f"/api/project/{UNKNOWN}"),
    Ask("v1.project.not-a-number", "/api/project/abc"),
    Ask("v1.package.fedora", "/api/project/Fedora/python-requests"),
    Ask("v1.package.distro-any-case", "/api/project/fedora/nodejs-left-pad/"),
    Ask("v1.package.space-and-plus", "/api/project/Arch%20Linux/lib%20geoip%2Bext"),
    Ask("v1.package.non-ascii", "/api/project/Fedora/%C3%BCn%C3%AFc%C3%B6d%C3%A9-tool"),
    Ask("v1.package.non-ascii-distro", "/api/project/Caf%C3%A9%20OS/pyfoo"),
    Ask("v1.package.unknown", "/api/project/Fedora/no-such-package"),
    Ask("v1.ecosystem.pypi", "/api/by_ecosystem/pypi/requests"),
    Ask("v1.ecosystem.any-case", "/api/by_ecosystem/NPM/Left-Pad/"),
    Ask("v1.ecosystem.unknown", "/api/by_ecosystem/pypi/no-such-project"),
    # v1: lists
    Ask("v1.projects.all", "/api/projects/"),
    Ask("v1.projects.pattern-prefix", "/api/projects/?pattern=py"),
    Ask("v1.projects.pattern-glob", "/api/projects/?pattern=*E*"),
    Ask("v1.projects.pattern-none", "/api/projects/?pattern=zzz"),
    Ask("v1.projects.pattern-package", "/api/projects/?pattern=*zeta"),
    Ask("v1.projects.homepage", "/api/projects/?homepage=https://pypi.org/project/requests"),
    Ask("v1.projects.distro", "/api/projects/?distro=FEDORA"),
    Ask("v1.projects.pattern-and-homepage", "/api/projects/?pattern=py&homepage=x"),
    Ask("v1.project-names.all", "/api/projects/names/"),
    Ask("v1.project-names.pattern", "/api/projects/names?pattern=*o*"),
    Ask("v1.packages-wiki", "/api/packages/wiki/"),
    Ask("v1.distro-names.all", "/api/distro/names/"),
    Ask("v1.distro-names.pattern", "/api/distro/names/?pattern=c"),
    # v1: checks that need no upstream
    Ask("v1.version-get.no-id", "/api/version/get", "POST"),
    Ask("v1.version-get.unknown", "/api/version/get", "POST", {"id": str(UNKNOWN)}),
    Ask("v1.version-get.archived", "/api/version/get", "POST", {"id": str(OLDTHING)}),
    # a dry run: the upstream is the scripted backend of tests/projects/conftest.py
    Ask("v1.version-get.dry-run", "/api/version/get/", "POST", {"id": str(LEFT_PAD), "test": "1"}),
    # v2: projects
    Ask("v2.projects.default", "/api/v2/projects/"),
    Ask("v2.projects.page-1-of-3", "/api/v2/projects/?page=1&items_per_page=3"),
    Ask("v2.projects.page-2-of-3", "/api/v2/projects/?items_per_page=3&page=2"),
    Ask("v2.projects.page-3-of-3", "/api/v2/projects?page=3&items_per_page=3"),
    Ask("v2.projects.page-past-the-end", "/api/v2/projects/?page=5&items_per_page=3"),
    Ask("v2.projects.name", "/api/v2/projects/?name=requests"),
    Ask("v2.projects.name-and-ecosystem", "/api/v2/projects/?name=REQUESTS&ecosystem=PyPI"),
    Ask("v2.projects.ecosystem", "/api/v2/projects/?ecosystem=npm"),
    Ask(
        "v2.projects.ecosystem-homepage",
        "/api/v2/projects/?ecosystem=https://github.com/maxmind/geoip-api-c",
    ),
    # Not asked: ?name= with a non-ASCII capital ("Ünïcödé-tool"). SQLite's LOWER() folds ASCII
    # only, so SQLite finds nothing where PostgreSQL finds the project; the answers differ.
    Ask("v2.projects.bad-page", "/api/v2/projects/?page=0"),
    Ask("v2.projects.bad-page-size", "/api/v2/projects/?items_per_page=abc"),
    # v2: versions
    Ask("v2.versions.requests", f"/api/v2/versions/?project_id={REQUESTS}"),
    Ask("v2.versions.semantic", f"/api/v2/versions/?project_id={LEFT_PAD}"),
    Ask("v2.versions.prefix-filter", f"/api/v2/versions/?project_id={GEOIP}"),
    Ask("v2.versions.no-versions", f"/api/v2/versions/?project_id={EMPTY}"),
    Ask("v2.versions.pre-release-filter", f"/api/v2/versions?project_id={PYFOO}"),
    Ask("v2.versions.unknown", f"/api/v2/versions/?project_id={UNKNOWN}"),
    Ask("v2.versions.bad-id", "/api/v2/versions/?project_id=abc"),
    # v2: packages
    Ask("v2.packages.default", "/api/v2/packages/"),
    Ask("v2.packages.distribution", "/api/v2/packages/?distribution=fedora"),
    Ask("v2.packages.distribution-space", "/api/v2/packages/?distribution=Arch%20Linux"),
    Ask("v2.packages.page-2", "/api/v2/packages/?items_per_page=3&page=2"),
    Ask("v2.packages.name", "/api/v2/packages/?name=python-requests"),
    Ask("v2.packages.empty-distribution", "/api/v2/packages/?distribution=Zeta%20%26%20Co."),
    Ask("v2.packages.bad-page", "/api/v2/packages/?page=-1"),
    # unknown routes
    Ask("v1.unknown-route", "/api/no-such-thing/"),
    Ask("v2.unknown-route", "/api/v2/no-such-thing/"),
]

#: The moment the services' clock is frozen at for the changes.
CHANGED_AT = utc(2025, 6, 7, 8, 9, 10, 111213)


def change_version_lists() -> None:
    """Through the services: a version of ``requests`` deleted, one of ``left-pad`` found."""
    requests = Project.objects.get(pk=REQUESTS)
    services.versions_delete(requests, ["2.32.1rc1"], agent="admin")
    left_pad = Project.objects.get(pk=LEFT_PAD)
    found = FoundVersion(
        raw="1.4.0", parsed="1.4.0", prerelease=False, published_at=utc(2025, 6, 6, 0, 0, 0)
    )
    known = tuple(
        FoundVersion(raw=v, parsed=v, prerelease="-" in v)
        for v in ("1.0.0", "1.1.0", "1.3.0", "2.0.0-beta.1")
    )
    preview = Preview(
        scheme=left_pad.version_scheme_name,
        versions=(*known, found),
        new_versions=(found,),
        latest_version="2.0.0-beta.1",
    )
    check.record(left_pad, preview, now=CHANGED_AT + dt.timedelta(seconds=1))


def change_mappings() -> None:
    """Through the services: ``requests`` mapped in one more distro, and a distro renamed.
    Neither moves a project's ``updated_on``: a cache keyed by it alone would go stale."""
    requests = Project.objects.get(pk=REQUESTS)
    services.package_map(requests, distro="zeta & co.", package_name="requests-zeta", agent="admin")
    services.distro_rename(Distro.objects.get(pk=CAFE), "Café OS (rolling)", agent="admin")


@dataclass(frozen=True)
class Change:
    """A change, the answers it shows in (golden answers ``<prefix>.<name>``) and answers it
    must leave alone (the golden answers from before it)."""

    prefix: str
    make: Callable[[], None]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


VERSION_CHANGE = Change(
    "changed",
    change_version_lists,
    changed=(
        "v1.project.requests",
        "v1.project.left-pad.slash",
        "v1.package.fedora",
        "v1.package.distro-any-case",
        "v1.ecosystem.pypi",
        "v1.ecosystem.any-case",
        "v1.projects.all",
        "v1.projects.pattern-prefix",
        "v1.projects.homepage",
        "v1.projects.distro",
        "v2.projects.default",
        "v2.projects.page-1-of-3",
        "v2.projects.page-3-of-3",
        "v2.projects.name",
        "v2.projects.ecosystem",
        "v2.versions.requests",
        "v2.versions.semantic",
        "v2.packages.default",
        "v2.packages.distribution",
        "v2.packages.name",
    ),
    unchanged=(
        "v1.project.unicode",
        "v1.project.pre-release-filter",
        "v1.packages-wiki",
        "v1.project-names.all",
        "v2.projects.page-2-of-3",
        "v2.versions.prefix-filter",
        "v2.packages.distribution-space",
    ),
)

MAPPING_CHANGE = Change(
    "mapped",
    change_mappings,
    changed=(
        "v1.project.requests",
        "v1.package.fedora",
        "v1.ecosystem.pypi",
        "v1.project.pre-release-filter",
        "v1.package.non-ascii-distro",
        "v1.projects.pattern-package",
        "v1.distro-names.all",
        "v1.distro-names.pattern",
        "v1.packages-wiki",
        "v2.packages.default",
        "v2.packages.empty-distribution",
        "v2.packages.page-2",
    ),
    unchanged=(
        "v1.project.left-pad.slash",
        "v1.projects.all",
        "v1.projects.pattern-glob",
        "v1.projects.distro",
        "v2.projects.default",
        "v2.versions.requests",
        "v2.packages.distribution",
        "v2.packages.distribution-space",
    ),
)
CHANGES = (VERSION_CHANGE, MAPPING_CHANGE)


# -- golden files -----------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str | None]
    body: bytes


def ask_api(client, ask: Ask) -> Answer:
    if ask.method == "POST":
        response = client.post(ask.path, ask.form, **_meta(ask.headers))
    else:
        response = client.get(ask.path, **_meta(ask.headers))
    headers = {name: response.get(name) for name in HEADERS}
    return Answer(response.status_code, headers, bytes(response.content))


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def body_file(name: str, answer: Answer) -> Path:
    content_type = answer.headers.get("Content-Type") or ""
    return ANSWERS / (name + (".txt" if content_type.startswith("text/plain") else ".json"))


def load_index() -> dict[str, dict[str, object]]:
    if not INDEX.exists():
        return {}
    index: dict[str, dict[str, object]] = json.loads(INDEX.read_text(encoding="utf-8"))
    return index


def entry_of(ask: Ask, answer: Answer, body: Path) -> dict[str, object]:
    return {
        "request": ask.label,
        "status": answer.status,
        "headers": answer.headers,
        "body": body.name,
    }


class Golden:
    """Compares answers with the golden files (or records them); collects every mismatch, so
    that one run reports them all."""

    def __init__(self) -> None:
        self.index = load_index()
        self.recorded: dict[str, Answer] = {}
        self.failures: list[str] = []

    def check(self, name: str, ask: Ask, answer: Answer, when: str) -> None:
        if RECORDING:
            first = self.recorded.setdefault(name, answer)
            if first != answer:
                self.failures.append(
                    describe(name, ask, when, first, answer, "the first answer recorded")
                )
            return
        expected = self.expected(name)
        if expected is None:
            self.failures.append(
                f"{ask.label} ({when}): no golden answer {name!r} in {INDEX.name}; record it "
                "with RELEASEMON_RECORD_ANSWERS=1"
            )
        elif expected != answer or self.index[name]["request"] != ask.label:
            source = f"answers/{self.index[name]['body']}"
            self.failures.append(describe(name, ask, when, expected, answer, source))

    def expected(self, name: str) -> Answer | None:
        entry = self.index.get(name)
        if entry is None:
            return None
        body = (ANSWERS / str(entry["body"])).read_bytes()
        headers = entry["headers"]
        assert isinstance(headers, dict)
        status = entry["status"]
        assert isinstance(status, int)
        return Answer(status, headers, body)

    def finish(self, asks: dict[str, Ask]) -> None:
        if RECORDING:
            ANSWERS.mkdir(exist_ok=True)
            index = load_index()
            for name, answer in self.recorded.items():
                body = body_file(name, answer)
                body.write_bytes(answer.body)
                index[name] = entry_of(asks[name], answer, body)
            text = json.dumps(dict(sorted(index.items())), indent=2, ensure_ascii=False)
            INDEX.write_text(text + "\n", encoding="utf-8")
        if self.failures:
            count = len(self.failures)
            pytest.fail(
                f"{count} answer(s) differ from the golden ones:\n\n" + "\n\n".join(self.failures),
                pytrace=False,
            )


def describe(name: str, ask: Ask, when: str, expected: Answer, got: Answer, source: str) -> str:
    """The endpoint, what differs, and where the bodies first part."""
    lines = [f"== {ask.label} [{name}] ({when}) differs from {source}"]
    if expected.status != got.status:
        lines.append(f"status: expected {expected.status}, got {got.status}")
    for header in HEADERS:
        if expected.headers.get(header) != got.headers.get(header):
            lines.append(
                f"{header}: expected {expected.headers.get(header)!r}, "
                f"got {got.headers.get(header)!r}"
            )
    if expected.body != got.body:
        lines.append(body_difference(expected.body, got.body))
    if len(lines) == 1:
        lines.append("the request's label differs from the index's: record again")
    return "\n".join(lines)


def body_difference(expected: bytes, got: bytes, context: int = 80) -> str:
    offset = next(
        (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
        min(len(expected), len(got)),
    )
    start = max(0, offset - context)
    lines = [
        f"body: {len(expected)} bytes expected, {len(got)} got; first difference at byte {offset}",
        f"  expected: ...{expected[start : offset + context]!r}",
        f"  got:      ...{got[start : offset + context]!r}",
    ]
    diff = list(
        difflib.unified_diff(readable(expected), readable(got), "expected", "got", lineterm="", n=2)
    )
    if diff:
        shown = diff[:60]
        if len(diff) > len(shown):
            shown.append(f"... ({len(diff) - len(shown)} more diff lines)")
        lines += ["  diff (JSON indented for reading):", *("    " + line for line in shown)]
    return "\n".join(lines)


def readable(body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="backslashreplace")
    with contextlib.suppress(ValueError):  # not JSON: the text as it is
        text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
    return text.split("\n")  # not splitlines(): U+2028 is no line break here


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db):
    build_catalogue()


def test_answers_match_the_golden_files(api, catalogue, fake_backend):
    fake_backend.script["left-pad"] = ["1.1.0", "1.3.0", "1.4.0", "2.0.0-beta.2"]
    golden = Golden()
    for ask in SAMPLE:
        golden.check(ask.name, ask, ask_api(api, ask), "first request")
        golden.check(ask.name, ask, ask_api(api, ask), "asked again at once")
    for ask in reversed(SAMPLE):
        golden.check(ask.name, ask, ask_api(api, ask), "asked again, sample in reverse order")
    golden.finish({ask.name: ask for ask in SAMPLE})


def follow(api, monkeypatch, change: Change) -> None:
    """Ask, change (the clock frozen), ask again: the new golden answers, never the old."""
    by_name = {ask.name: ask for ask in SAMPLE}
    changed = [by_name[name] for name in change.changed]
    unchanged = [by_name[name] for name in change.unchanged]
    golden = Golden()
    before = {}
    for ask in changed + unchanged:
        golden.check(ask.name, ask, ask_api(api, ask), "before the change")
        before[ask.name] = ask_api(api, ask)
        golden.check(ask.name, ask, before[ask.name], "before the change, asked again")

    with monkeypatch.context() as frozen:
        frozen.setattr(timezone, "now", lambda: CHANGED_AT)
        change.make()

    asks = {ask.name: ask for ask in changed + unchanged}
    for ask in changed:
        name = f"{change.prefix}.{ask.name}"
        asks[name] = ask
        golden.check(name, ask, ask_api(api, ask), f"after the change ({change.prefix})")
        golden.check(name, ask, ask_api(api, ask), f"after the change ({change.prefix}), again")
    for ask in unchanged:
        golden.check(ask.name, ask, ask_api(api, ask), f"after the change ({change.prefix})")

    # The old ETag: no 304 for a changed answer (the new body), a 304 for an unchanged one.
    for ask in (changed[0], unchanged[0]):
        etag = before[ask.name].headers["ETag"]
        assert etag, ask.label
        stale = Ask(ask.name, ask.path, headers={"If-None-Match": etag})
        answer = ask_api(api, stale)
        if ask in changed:
            name = f"{change.prefix}.{ask.name}"
            golden.check(name, ask, answer, f"after the change ({change.prefix}), old ETag sent")
        else:
            assert (answer.status, answer.body) == (304, b""), stale.label
    golden.finish(asks)


def test_answers_follow_a_change_of_the_versions(api, catalogue, monkeypatch):
    follow(api, monkeypatch, VERSION_CHANGE)


def test_answers_follow_a_change_of_the_mappings(api, catalogue, monkeypatch):
    follow(api, monkeypatch, MAPPING_CHANGE)


def test_every_golden_file_belongs_to_a_request():
    """No stale golden file: each is named by a request of this module, and indexed."""
    names = {ask.name for ask in SAMPLE}
    names |= {f"{change.prefix}.{name}" for change in CHANGES for name in change.changed}
    index = load_index()
    if RECORDING:
        pytest.skip("recording")
    assert set(index) == names
    indexed = {str(entry["body"]) for entry in index.values()}
    on_disk = {path.name for path in ANSWERS.iterdir() if path != INDEX}
    assert on_disk == indexed
