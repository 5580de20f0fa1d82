"""A generated Anitya catalogue (seeded: the same rows on every run) and an oracle: what
releasemon's APIs must answer for it, computed from the generated rows alone, by the rules
Anitya's users know (never by calling releasemon's code).

A few hundred ordinary projects of several backends, with versions inserted out of order,
prefixes, mappings and flags, then the awkward rows an old catalogue holds: an unknown
backend, a regex our safety rules refuse, names differing only by case, a project without
versions and an empty version string, unicode, fields as long as Anitya's columns allow,
archived projects, flags in every state (and one Anitya never had), legacy ecosystems,
credentials in a URL; users with social identities and tokens, inactive, admin, an empty
username and e-mails differing only by case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import string
import uuid
from typing import Any

from tests.projects.anitya_import.anitya_db import AnityaDB

SEED = 20_261_205
T0 = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
#: Anitya's ecosystems by their default backend (anitya/lib/ecosystems/); other backends'
#: projects have their homepage for ecosystem.
ECOSYSTEM_OF = {"PyPI": "pypi", "npmjs": "npm", "crates.io": "crates.io", "Rubygems": "rubygems"}
DISTROS = ["Fedora", "Debian", "Ubuntu", "Arch Linux", "ÜberOS", "fedora"]
BOMB = "(a{1000}){1000}"


@dataclasses.dataclass
class Expected:
    """What releasemon must show for one project."""

    id: int
    name: str
    homepage: str
    backend: str
    version_url: str | None
    regex: str | None
    ecosystem: str
    versions: list[str]  # newest first, as shown
    latest: str | None
    archived: bool
    created_on: float
    updated_on: float
    packages: list[dict[str, str]] = dataclasses.field(default_factory=list)
    #: The project's other columns as stored here (what the APIs do not show).
    stored: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: (raw version, retrieval time, commit link) of every stored version.
    raw_versions: set[tuple[str, dt.datetime, str | None]] = dataclasses.field(default_factory=set)


@dataclasses.dataclass
class User:
    id: uuid.UUID
    email: str
    username: str
    active: bool | None
    admin: bool
    tokens: list[str]
    identities: list[tuple[str, str]]  # (provider, uid)


@dataclasses.dataclass
class Catalogue:
    projects: dict[int, Expected] = dataclasses.field(default_factory=dict)
    users: list[User] = dataclasses.field(default_factory=list)
    #: Flag id → (project id, state shown here, author's e-mail here or None).
    flags: dict[int, tuple[int, str, str | None]] = dataclasses.field(default_factory=dict)
    #: Anitya user id → the user id it has here (the first of e-mails differing by case).
    user_ids: dict[uuid.UUID, uuid.UUID] = dataclasses.field(default_factory=dict)
    #: Mapping id → project id, of the mappings carried.
    mappings: dict[int, int] = dataclasses.field(default_factory=dict)


def _epoch(moment: dt.datetime) -> float:
    return float(int(moment.timestamp()))


def _numbers(rng: random.Random, count: int, parts: int) -> list[tuple[int, ...]]:
    found: set[tuple[int, ...]] = set()
    while len(found) < count:
        found.add(tuple(rng.randrange(0, 25) for _ in range(parts or rng.choice((2, 3)))))
    return list(found)


class _Writer:
    def __init__(self, db: AnityaDB, rng: random.Random) -> None:
        self.db, self.rng = db, rng
        self.catalogue = Catalogue()
        self.package_id = 0
        self.flag_id = 0
        self.taken_packages: set[tuple[str, str]] = set()

    def project(
        self,
        pid: int,
        name: str,
        homepage: str,
        *,
        backend: str = "custom",
        version_url: str | None = None,
        regex: str | None = None,
        ecosystem: str | None = None,
        prefix: str | None = None,
        numbers: list[tuple[int, ...]] | None = None,
        tag: str = "",
        archived: bool = False,
        expect: dict[str, Any] | None = None,
        **extra: Any,
    ) -> Expected:
        """Write a project and its versions (inserted in random order); return what
        releasemon must show, ``expect`` overriding what the awkward rows change."""
        created = T0 + dt.timedelta(hours=pid, microseconds=pid * 7)
        updated = created + dt.timedelta(days=30, seconds=pid)
        numbers = list(numbers or [])
        shown = [".".join(map(str, n)) for n in sorted(numbers, reverse=True)]
        anitya_ecosystem = ecosystem or ECOSYSTEM_OF.get(backend, homepage)
        rng = self.rng
        stored: dict[str, Any] = {
            "version_prefix": prefix,
            "insecure": rng.random() < 0.2,
            "releases_only": rng.random() < 0.2,
            # Neither filter matches the generated numbers: they change no answer.
            "pre_release_filter": rng.choice([None, None, "rc;beta"]),
            "version_filter": rng.choice([None, None, "alpha;nightly"]),
            "version_scheme": rng.choice([None, None, "RPM"]),
            "error_counter": rng.randrange(0, 5),
            "check_successful": rng.choice([True, True, False, None]),
            "logs": extra.pop("logs", rng.choice(["Version retrieved correctly", None])),
            "latest_version": shown[0] if shown else None,
            "last_check": updated,
            "next_check": updated + dt.timedelta(hours=rng.randrange(1, 48)),
        }
        self.db.insert(
            "projects",
            id=pid,
            name=name,
            homepage=homepage,
            backend=backend,
            ecosystem_name=anitya_ecosystem,
            version_url=version_url,
            regex=regex,
            archived=archived,
            created_on=created,
            updated_on=updated,
            **stored,
            **extra,
        )
        raws = [f"{prefix or tag}{'.'.join(map(str, n))}" for n in numbers]
        rng.shuffle(raws)
        raw_versions = set()
        for position, raw in enumerate(raws):
            commit_url = (
                f"https://github.com/o/{pid}/commit/{position:040x}"
                if backend == "GitHub"
                else None
            )
            retrieved = created + dt.timedelta(minutes=position + 1, microseconds=position)
            raw_versions.add((raw, retrieved, commit_url))
            self.db.insert(
                "projects_versions",
                project_id=pid,
                version=raw,
                created_on=retrieved,
                commit_url=commit_url,
            )
        expected = Expected(
            id=pid,
            name=name,
            homepage=homepage,
            backend=backend,
            version_url=version_url,
            regex=regex,
            ecosystem=ECOSYSTEM_OF.get(backend, homepage),
            versions=shown,
            latest=shown[0] if shown else None,
            archived=archived,
            created_on=_epoch(created),
            updated_on=_epoch(updated),
            stored=stored,
            raw_versions=raw_versions,
        )
        for key, value in (expect or {}).items():
            setattr(expected, key, value)
        self.catalogue.projects[pid] = expected
        return expected

    def mapping(self, pid: int, distro: str, package: str, *, kept: bool = True) -> None:
        self.package_id += 1
        self.db.insert(
            "packages",
            id=self.package_id,
            distro_name=distro,
            project_id=pid,
            package_name=package,
        )
        shown = "Fedora" if distro == "fedora" else distro
        if kept and (shown, package) not in self.taken_packages:
            self.taken_packages.add((shown, package))
            self.catalogue.mappings[self.package_id] = pid
            self.catalogue.projects[pid].packages.append({"distro": shown, "package_name": package})

    def flag(self, pid: int, state: str, author: str, *, shown_state: str | None = None) -> None:
        self.flag_id += 1
        created = T0 + dt.timedelta(days=self.flag_id)
        self.db.insert(
            "projects_flags",
            id=self.flag_id,
            project_id=pid,
            reason=f"Flag {self.flag_id}: wrong homepage",
            user=author,
            state=state,
            created_on=created if self.flag_id % 5 else None,
            updated_on=created,
        )
        known = {user.email.lower(): user for user in self.catalogue.users}
        known.update({user.username: user for user in self.catalogue.users if user.username})
        user = known.get(author.lower()) or known.get(author)
        email = None
        if user is not None:
            here = self.catalogue.user_ids[user.id]
            email = next(u.email for u in self.catalogue.users if u.id == here)
        self.catalogue.flags[self.flag_id] = (pid, shown_state or state, email)


def _users(writer: _Writer) -> None:
    rng, db, catalogue = writer.rng, writer.db, writer.catalogue
    providers = ["github", "gitlab", "fedora", "google-oauth2", "openid"]
    social = "social_auth_usersocialauth" in db.tables()
    identity = 0
    for number in range(24):
        email = f"user{number}@example.org"
        if number == 23:  # user 1's e-mail in other case: merged into the first by id
            email = "User1@Example.ORG"
        username = {5: "zoë", 9: "", 12: "user3"}.get(number, f"user{number}")
        user = User(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            email=email,
            username=username,
            active={7: False, 14: False, 11: None}.get(number, True),
            admin=number % 6 == 0,
            tokens=[],
            identities=[],
        )
        db.insert(
            "users",
            id=user.id,
            email=user.email,
            username=user.username,
            active=user.active,
            admin=user.admin,
        )
        for _ in range(number % 3 if number % 2 else 0):
            token = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(40))
            user.tokens.append(token)
            db.insert("tokens", token=token, created=T0, user_id=user.id, description=f"t{number}")
        if social and number % 4 == 1:
            for provider in (providers[number % 5], providers[(number + 2) % 5]):
                identity += 1
                uid = str(10_000 + identity)
                user.identities.append((provider, uid))
                db.insert(
                    "social_auth_usersocialauth",
                    id=identity,
                    provider=provider,
                    uid=uid,
                    user_id=user.id,
                )
        catalogue.users.append(user)
    by_email: dict[str, uuid.UUID] = {}
    for user in sorted(catalogue.users, key=lambda u: u.id.hex):
        catalogue.user_ids[user.id] = by_email.setdefault(user.email.lower(), user.id)


def _ordinary(writer: _Writer, pid: int) -> None:
    rng = writer.rng
    kind = rng.choice(["custom", "custom", "PyPI", "npmjs", "GitHub", "crates.io", "Rubygems"])
    name = rng.choice([f"pkg-{pid}", f"lib{pid}", f"café-{pid}", f"日本語-{pid}", f"🚀-{pid}"])
    count = rng.choice([0, 1, 2, 3, 5, 8, 13])
    numbers = _numbers(rng, count, 3 if kind == "npmjs" else 0)
    homepage = f"https://p{pid}.example.org/"
    fields: dict[str, Any] = {"numbers": numbers, "archived": rng.random() < 0.1}
    if kind == "custom":
        fields["version_url"] = f"https://p{pid}.example.org/downloads/"
        if rng.random() < 0.3:
            fields["prefix"] = "release-"
            fields["regex"] = r"release-([\d.]+)\.tar"
    elif kind == "GitHub":
        homepage = f"https://github.com/o/{pid}"
        fields["version_url"] = f"o/{pid}"
        fields["tag"] = "v"
    elif kind in ECOSYSTEM_OF:
        homepage = f"https://{kind.lower()}.example/{pid}"
    writer.project(pid, name, homepage, backend=kind, **fields)
    for distro in rng.sample(DISTROS[:5], rng.choice([0, 0, 1, 1, 2])):
        writer.mapping(pid, distro, f"{name}-{distro.split()[0].lower()}")
    if rng.random() < 0.1:
        users = writer.catalogue.users
        writer.flag(pid, rng.choice(["open", "closed"]), rng.choice(users).email)


def _awkward(writer: _Writer) -> None:
    w = writer
    nums = [(1, 0), (1, 2), (2, 0)]
    w.project(
        900,
        "forge-gone",
        "https://forge.example/",
        backend="Sourceforge Classic",
        numbers=nums,
        expect={"backend": "custom", "archived": True},
    )
    w.project(901, "bomb", "https://bomb.example/", regex=BOMB, numbers=nums)
    w.catalogue.projects[901].regex, w.catalogue.projects[901].archived = None, True
    w.project(902, "CaseDup", "https://casedup.example/", numbers=[(1,)])
    w.project(903, "casedup", "https://casedup.example/", numbers=[(2,)])
    w.project(904, "no-versions", "https://empty.example/")
    w.db.insert("projects_versions", project_id=904, version="", created_on=T0)
    w.project(
        905,
        "ünïcødé-项目-🚀",
        "https://xn--nicd-dsa.example/ünï",
        numbers=[(3, 1)],
        logs="Ошибка: ünïcødé 🚀",
    )
    long_name = "n" * 200
    w.project(
        906,
        long_name,
        "https://long.example/" + "p" * 170,
        version_url="https://long.example/" + "d" * 170,
        regex="long-" + "x" * 180 + r"-([\d.]+)",
        logs="log line\n" * 2_000,
        numbers=[(1, 0), (1, 10), (1, 9)],
    )
    w.db.insert(
        "projects_versions",
        project_id=906,
        version="9" * 50,
        created_on=T0,
        commit_url="https://long.example/" + "c" * 179,
    )
    w.catalogue.projects[906].versions.insert(0, "9" * 50)
    w.catalogue.projects[906].raw_versions.add(("9" * 50, T0, "https://long.example/" + "c" * 179))
    w.project(907, "museum", "https://museum.example/", archived=True, numbers=[(0, 9)])
    w.project(908, "leftpad", "https://www.npmjs.com/package/leftpad", backend="npmjs")
    w.project(
        909,
        "leftpad",
        "https://leftpad.example/",
        backend="npmjs",
        ecosystem="https://leftpad.example/",
        expect={"name": "leftpad (anitya #909)"},
    )
    w.project(910, "rightpad", "https://rightpad.example/", backend="npmjs", ecosystem="x")
    w.project(
        911,
        "secret-dl",
        "https://secret.example/",
        version_url="https://ci:hunter2@secret.example/dl/",
        expect={"version_url": "https://secret.example/dl/"},
    )
    # Spelled otherwise than our rules store them, or missing: stored our way, reported.
    w.project(
        912,
        "lowercase-pypi",
        "https://pypi.org/project/lowercase-pypi",
        backend="pypi",
        ecosystem="https://pypi.org/project/lowercase-pypi",
        expect={"backend": "PyPI", "ecosystem": "pypi"},
    )
    w.project(913, "  spaced  ", "https://spaced.example/", expect={"name": "spaced"})
    w.project(
        914, "no-backend", "https://nobackend.example/", backend="", expect={"backend": "custom"}
    )
    w.project(915, "", "https://noname.example/", expect={"name": "anitya-915"})
    for state in ("open", "closed"):
        for author in ("user2@example.org", "user4", "USER6@example.org", "ghost@nowhere"):
            w.flag(907, state, author)
    w.flag(907, "pending", "user2@example.org", shown_state="open")
    # The same package in "Fedora" and "fedora" (one distribution here): the first stays.
    w.mapping(902, "Fedora", "casedup")
    w.mapping(903, "fedora", "casedup", kept=False)
    w.mapping(905, "ÜberOS", "ünïcødé")


def generate(db: AnityaDB, *, projects: int = 320) -> Catalogue:
    """Fill ``db``; ids of every 13th project are left out (deleted on Anitya)."""
    writer = _Writer(db, random.Random(SEED))
    for name in DISTROS:
        db.insert("distros", name=name)
    _users(writer)
    for pid in range(1, projects + 1):
        if pid % 13:
            _ordinary(writer, pid)
    _awkward(writer)
    db.commit()
    return writer.catalogue


T1 = dt.datetime(2025, 6, 1, 8, 30, 15, 250_000, tzinfo=dt.UTC)


def change(db: AnityaDB, catalogue: Catalogue) -> dict[str, str]:
    """What happens on Anitya between two imports, also applied to ``catalogue`` (the oracle):
    five projects get a new highest version, five lose their lowest one (an admin deleted it:
    their row stays as it was), three commit links are edited, one project is renamed, two
    are deleted and two added, three mappings deleted and three added, two flags closed and
    two raised. Returns the summary counts a re-import must print, per kind."""
    rng = random.Random(SEED + 1)
    writer = _Writer(db, rng)
    writer.catalogue = catalogue
    writer.package_id = max(catalogue.mappings) + 100
    writer.flag_id = max(catalogue.flags)
    projects = catalogue.projects
    plain = sorted(pid for pid, p in projects.items() if pid < 900 and not p.packages)
    flagged = {pid for pid, _, _ in catalogue.flags.values()}
    plain = [pid for pid in plain if pid not in flagged]
    rng.shuffle(plain)

    def raw(pid: int, shown: str) -> str:
        tag = "v" if projects[pid].backend == "GitHub" else ""
        return (projects[pid].stored["version_prefix"] or tag) + shown

    many = [pid for pid in plain if len(projects[pid].versions) >= 2]
    for pid in many[:5]:  # the lowest version deleted, the row untouched
        expected = projects[pid]
        gone = raw(pid, expected.versions.pop())
        expected.raw_versions = {row for row in expected.raw_versions if row[0] != gone}
        db.execute("DELETE FROM projects_versions WHERE project_id = ? AND version = ?", pid, gone)
    rest = [pid for pid in plain if pid not in many[:5]]
    for pid in rest[:5]:  # a new highest version, found by a check
        expected = projects[pid]
        shown = "30.0.0" if expected.backend == "npmjs" else "30.0"
        db.insert("projects_versions", project_id=pid, version=raw(pid, shown), created_on=T1)
        db.execute(
            "UPDATE projects SET latest_version = ?, updated_on = ? WHERE id = ?", shown, T1, pid
        )
        expected.raw_versions.add((raw(pid, shown), T1, None))
        expected.versions.insert(0, shown)
        expected.latest = expected.stored["latest_version"] = shown
        expected.updated_on = _epoch(T1)
    github = [
        pid
        for pid, p in projects.items()
        if p.backend == "GitHub" and p.raw_versions and pid not in many[:5] + rest[:13]
    ]
    for pid in github[:3]:  # a commit link edited
        expected = projects[pid]
        version, created, _ = sorted(expected.raw_versions)[0]
        link = f"https://github.com/o/{pid}/commit/edited"
        db.execute(
            "UPDATE projects_versions SET commit_url = ? WHERE project_id = ? AND version = ?",
            link,
            pid,
            version,
        )
        expected.raw_versions.remove(next(r for r in expected.raw_versions if r[0] == version))
        expected.raw_versions.add((version, created, link))
    renamed = rest[5]
    db.execute("UPDATE projects SET name = ?, updated_on = ? WHERE id = ?", "renamed", T1, renamed)
    projects[renamed].name, projects[renamed].updated_on = "renamed", _epoch(T1)
    for pid in rest[6:8]:  # deleted on Anitya (no mappings, no flags)
        db.execute("DELETE FROM projects_versions WHERE project_id = ?", pid)
        db.execute("DELETE FROM projects WHERE id = ?", pid)
        del projects[pid]
    added = 0
    for pid in (2000, 2001):
        added += len(
            writer.project(
                pid, f"new-{pid}", f"https://new{pid}.example/", numbers=[(1, 0), (2, 0)]
            ).raw_versions
        )
    for mapping in sorted(catalogue.mappings)[:3]:
        pid = catalogue.mappings.pop(mapping)
        row = db.connection.execute(
            "SELECT distro_name, package_name FROM packages WHERE id = " + str(mapping)
        ).fetchone()
        distro = "Fedora" if row[0] == "fedora" else row[0]
        projects[pid].packages.remove({"distro": distro, "package_name": row[1]})
        db.execute("DELETE FROM packages WHERE id = ?", mapping)
    for pid in rest[8:11]:
        writer.mapping(pid, "Debian", f"new-{pid}")
    open_flags = [pk for pk, (_, state, _) in catalogue.flags.items() if state == "open"]
    for pk in sorted(open_flags)[:2]:  # max(flags) is "pending" on Anitya: not among these
        db.execute(
            "UPDATE projects_flags SET state = 'closed', updated_on = ? WHERE id = ?", T1, pk
        )
        pid, _, author = catalogue.flags[pk]
        catalogue.flags[pk] = (pid, "closed", author)
    for pid in rest[11:13]:
        writer.flag(pid, "open", "user2@example.org")
    db.commit()
    return {
        "projects": f"projects +2 ~6 -2 ={len(projects) - 2 - 6}",
        "versions": f"versions +{5 + added} ~3 -5",
        "mappings": "mappings +3 ~0 -3",
        "flags": "flags +2 ~2 -0",
        "users": "users +0 ~0 -0",
    }
