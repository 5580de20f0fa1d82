"""A generated Anitya catalogue with awkward rows, and what releasemon must show for it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from tests.projects.anitya_import.anitya_db import AnityaDB

T0 = dt.datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
ALICE = uuid.UUID("11111111-1111-4111-8111-111111111111")
BOB = uuid.UUID("22222222-2222-4222-8222-222222222222")
CAROL = uuid.UUID("33333333-3333-4333-8333-333333333333")
ALICE_TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
BOMB = "(a{1000}){1000}"
#: The RPM project's versions, newest first as rpmvercmp orders them.
RPM_ORDER = ["1.10", "1.9", "1.2.3", "1.0", "1.0~rc1"]


@dataclasses.dataclass
class Expected:
    """Per project id: name, versions newest first, latest version, mappings."""

    names: dict[int, str] = dataclasses.field(default_factory=dict)
    versions: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    latest: dict[int, str | None] = dataclasses.field(default_factory=dict)
    mappings: dict[int, list[dict[str, str]]] = dataclasses.field(default_factory=dict)


def project(db: AnityaDB, pid: int, name: str, homepage: str, **fields: Any) -> None:
    row: dict[str, Any] = {
        "id": pid,
        "name": name,
        "homepage": homepage,
        "backend": "custom",
        "ecosystem_name": homepage,
        "insecure": False,
        "releases_only": False,
        "archived": False,
        "error_counter": 0,
        "created_on": T0 + dt.timedelta(days=pid),
        "updated_on": T0 + dt.timedelta(days=pid, hours=1),
        "last_check": T0 + dt.timedelta(days=pid, hours=2),
        "next_check": T0 + dt.timedelta(days=pid, hours=3),
        "check_successful": True,
        "logs": "Version retrieved correctly",
    }
    row.update(fields)
    db.insert("projects", **row)


def versions(db: AnityaDB, pid: int, numbers: list[str], commit: bool = False) -> None:
    for position, number in enumerate(numbers):
        db.insert(
            "projects_versions",
            project_id=pid,
            version=number,
            created_on=T0 + dt.timedelta(days=pid, minutes=position),
            commit_url=f"https://github.com/o/r/commit/{position:040x}" if commit else None,
        )


def fill(db: AnityaDB) -> Expected:
    """Users (one with social identities, a token), distros differing by case, and projects:
    ordinary, RPM-ordered, differing only by case, an unknown backend, a regex bomb, archived,
    flagged, clashing under our rules; on SQLite also NUL characters and overlong values."""
    expected = Expected()
    db.insert(
        "users", id=ALICE, email="alice@example.org", username="alice", active=True, admin=True
    )
    db.insert("users", id=BOB, email="bob@example.org", username="bob", active=False, admin=False)
    db.insert(
        "users", id=CAROL, email="carol@example.org", username="carol", active=True, admin=False
    )
    db.insert("tokens", token=ALICE_TOKEN, created=T0, user_id=ALICE, description="CI")
    if "social" in db.tables():
        db.insert("social_auth_usersocialauth", id=1, provider="github", uid="4242", user_id=CAROL)
        db.insert("social_auth_usersocialauth", id=2, provider="fedora", uid="carol", user_id=CAROL)
    for name in ("Fedora", "fedora", "Debian"):
        db.insert("distros", name=name)

    project(
        db,
        1,
        "requests",
        "https://pypi.org/project/requests",
        backend="PyPI",
        ecosystem_name="pypi",
        latest_version="2.31.0",
    )
    versions(db, 1, ["2.0.0", "2.1.0", "2.31.0"])
    expected.versions[1] = ["2.31.0", "2.1.0", "2.0.0"]
    db.insert("packages", id=1, distro_name="Fedora", project_id=1, package_name="python-requests")
    db.insert("packages", id=2, distro_name="Debian", project_id=1, package_name="python3-requests")
    expected.mappings[1] = [
        {"distro": "Debian", "package_name": "python3-requests"},
        {"distro": "Fedora", "package_name": "python-requests"},
    ]

    project(
        db,
        2,
        "rpmthing",
        "https://rpmthing.example",
        version_url="https://rpmthing.example/dl",
        regex=r"rpmthing-(.*)\.tar",
        version_scheme="RPM",
        latest_version="1.10",
    )
    versions(db, 2, ["1.0~rc1", "1.0", "1.2.3", "1.9", "1.10"])
    expected.versions[2] = RPM_ORDER

    project(db, 3, "Foo", "https://foo.example", latest_version="1.0")
    versions(db, 3, ["1.0"])
    expected.versions[3] = ["1.0"]
    project(db, 4, "foo", "https://foo.example", latest_version="2.0")
    versions(db, 4, ["2.0"])
    expected.versions[4] = ["2.0"]
    # Anitya's lower-case "fedora" is merged into "Fedora" here: the mapping follows.
    db.insert("packages", id=3, distro_name="fedora", project_id=3, package_name="foo")
    expected.mappings[3] = [{"distro": "Fedora", "package_name": "foo"}]

    project(db, 5, "oddball", "https://oddball.example", backend="Vanished Forge")
    project(db, 6, "bomb", "https://bomb.example", regex=BOMB)
    project(db, 7, "old", "https://old.example", archived=True, latest_version="0.9")
    versions(db, 7, ["0.9"])
    expected.versions[7] = ["0.9"]
    project(
        db,
        8,
        "tool",
        "https://github.com/o/tool",
        backend="GitHub",
        version_url="o/tool",
        latest_version="3",
    )
    versions(db, 8, ["v1", "v2", "v3"], commit=True)
    expected.versions[8] = ["3", "2", "1"]  # Anitya strips the "v" too

    # Id 9 was deleted on Anitya: ids are kept, so 10 stays 10.
    project(db, 10, "flagged", "https://flagged.example")
    db.insert(
        "projects_flags",
        id=5,
        project_id=10,
        reason="Wrong homepage",
        user="alice@example.org",
        state="open",
        created_on=T0,
        updated_on=T0,
    )
    db.insert(
        "projects_flags",
        id=6,
        project_id=10,
        reason="Dupe",
        user="ghost@example.org",
        state="closed",
        created_on=T0,
        updated_on=T0,
    )

    # Legacy rows: the same npm name, one with a homepage for ecosystem (older Anitya data).
    project(
        db,
        20,
        "leftpad",
        "https://www.npmjs.com/package/leftpad",
        backend="npmjs",
        ecosystem_name="npm",
    )
    project(
        db,
        21,
        "leftpad",
        "https://leftpad.example",
        backend="npmjs",
        ecosystem_name="https://leftpad.example",
    )
    expected.names[21] = "leftpad (anitya #21)"

    if db.dialect == "sqlite":  # PostgreSQL refuses NUL characters and overlong values itself
        project(
            db,
            30,
            "nul\x00name",
            "https://nul.example",
            version_prefix="x" * 250,
            latest_version="1.0",
        )
        expected.names[30] = "nulname"
        versions(db, 30, ["1.0", "9" * 60])
        expected.versions[30] = ["1.0"]
    db.commit()
    return expected
