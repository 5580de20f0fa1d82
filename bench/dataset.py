"""The shared, deterministic benchmark dataset: N projects with versions, mappings, flags, users.

    .venv/bin/python -m bench.dataset --projects 100000 --database-url postgresql://... --reset

Every value is a pure function of ``(seed, project index)``: the same seed gives the same
projects, versions, mappings, flags and users whatever N is (project ``i`` of a 10,000-project
dataset is project ``i`` of a 100,000-project one). Two mixes:

- ``realistic`` (default; the API benchmark): a backend mix close to release-monitoring.org's
  (GitHub, PyPI, custom, npm, crates.io, ...), package-like names (about 8% start with ``py``),
  plausible homepages, 1..2v-1 numeric versions per project, mappings in ten distributions
  (Fedora, Debian, Ubuntu, ...), a few flags (mostly closed), one user per 100 projects, an API
  token whose secret is printed.
- ``checks`` (the checks benchmark): projects ``proj<i>`` whose upstream is the local simulator
  (``--upstream``): 80% ``custom`` download pages, 10% ``custom`` pages behind a ``*`` glob
  (two requests per check), 10% ``Gitea`` JSON APIs; all due now. The simulator
  (``bench.checks.simulator``) reads the same rules to serve the same versions.

Rows are written with PostgreSQL's COPY (explicit ids, sequences reset afterwards) in chunks,
so 100,000 projects with half a million versions load in well under a minute; other databases
get batched INSERTs. Django must be set up before :func:`generate` is called
(:func:`setup_django` does it from a database URL).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BENCH_DATABASE = "postgresql://postgres@127.0.0.1:5432/releasemon_bench"

# All generated times are offsets from this moment (so a dataset is the same bytes every time);
# it is in the past, so every generated project is due for a check.
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

# Projects are created a minute apart from here (so project i is the same whatever N is).
_CREATED_BASE = EPOCH - dt.timedelta(days=1000)
_JOINED_BASE = EPOCH - dt.timedelta(days=2000)

_MASK = (1 << 64) - 1

# Salts: one per independent random choice.
_S_KIND, _S_COUNT, _S_NAME, _S_START, _S_STEP, _S_MAP, _S_FLAG, _S_STATE, _S_AUTHOR = range(9)
_S_ARCHIVED, _S_HEALTH, _S_USER, _S_PREFIX, _S_OWNER, _S_REGEX = range(9, 15)


# -- deterministic randomness -------------------------------------------------------------


def _splitmix(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def mix(seed: int, index: int, salt: int, extra: int = 0) -> int:
    """A 64-bit hash of its arguments: the dataset's only source of randomness."""
    return _splitmix(_splitmix(_splitmix((seed & _MASK) ^ (salt << 40)) ^ index) ^ extra)


def unit(seed: int, index: int, salt: int, extra: int = 0) -> float:
    """A number in [0, 1) drawn from :func:`mix`."""
    return mix(seed, index, salt, extra) / 2.0**64


def _pick(weighted: Sequence[tuple[str, int]], draw: int) -> str:
    total = sum(weight for _, weight in weighted)
    point = draw % total
    for value, weight in weighted:
        if point < weight:
            return value
        point -= weight
    raise AssertionError("unreachable")  # pragma: no cover


# -- the checks mix (also read by the simulator; no Django here) ---------------------------

#: How the checks benchmark's projects reach the simulator, with their share in percent.
CHECK_KINDS: tuple[tuple[str, int], ...] = (("page", 80), ("glob", 10), ("gitea", 10))


def check_kind(index: int, seed: int) -> str:
    """``page`` (custom backend, one request), ``glob`` (custom, two) or ``gitea`` (JSON)."""
    return _pick(CHECK_KINDS, mix(seed, index, _S_KIND))


def stored_version_count(index: int, seed: int, versions_per_project: int) -> int:
    """How many versions project ``index`` has: 1..2v-1 (mean v), 0 when v is 0."""
    if versions_per_project <= 0:
        return 0
    return 1 + mix(seed, index, _S_COUNT) % (2 * versions_per_project - 1)


def check_project_name(index: int) -> str:
    return f"proj{index}"


def check_version(number: int) -> str:
    """The checks mix's n-th version (0-based): 1.0, 1.1, ... (ordered alike by every scheme)."""
    return f"1.{number}"


def check_urls(index: int, seed: int, upstream: str) -> tuple[str, str, str | None]:
    """(backend, homepage, version_url) of checks-mix project ``index`` on ``upstream``."""
    base = upstream.rstrip("/")
    kind = check_kind(index, seed)
    if kind == "page":
        url = f"{base}/p/{index}/"
        return "custom", url, url
    if kind == "glob":
        return "custom", f"{base}/g/{index}/", f"{base}/g/{index}/*/"
    return "Gitea", f"{base}/o{index}/{check_project_name(index)}", None


# -- the realistic mix --------------------------------------------------------------------

# Roughly release-monitoring.org's backend shares.
REALISTIC_BACKENDS: tuple[tuple[str, int], ...] = (
    ("GitHub", 24),
    ("PyPI", 22),
    ("custom", 20),
    ("npmjs", 10),
    ("crates.io", 5),
    ("Rubygems", 4),
    ("GitLab", 4),
    ("folder", 3),
    ("GNOME", 2),
    ("CPAN (perl)", 2),
    ("Packagist", 2),
    ("Hackage", 2),
)

DISTROS: tuple[tuple[str, float], ...] = (
    # (name, share of projects mapped in it)
    ("Fedora", 0.55),
    ("Debian", 0.40),
    ("Ubuntu", 0.35),
    ("Arch Linux", 0.30),
    ("openSUSE", 0.20),
    ("NixOS", 0.15),
    ("Gentoo", 0.15),
    ("Alpine", 0.10),
    ("Mageia", 0.05),
    ("CentOS", 0.05),
)

# Per distribution family, the package name prefix (or suffix) used for each ecosystem.
_FEDORA_STYLE = {
    "PyPI": "python-{}",
    "npmjs": "nodejs-{}",
    "crates.io": "rust-{}",
    "Rubygems": "rubygem-{}",
    "CPAN (perl)": "perl-{}",
    "Hackage": "ghc-{}",
    "Packagist": "php-{}",
}
_DEBIAN_STYLE = {
    "PyPI": "python3-{}",
    "npmjs": "node-{}",
    "crates.io": "rust-{}",
    "Rubygems": "ruby-{}",
    "CPAN (perl)": "lib{}-perl",
    "Hackage": "haskell-{}",
    "Packagist": "php-{}",
}
_ARCH_STYLE = {
    "PyPI": "python-{}",
    "npmjs": "nodejs-{}",
    "crates.io": "{}",
    "Rubygems": "ruby-{}",
    "CPAN (perl)": "perl-{}",
    "Hackage": "haskell-{}",
    "Packagist": "php-{}",
}
_PACKAGE_STYLE = {
    "Fedora": _FEDORA_STYLE,
    "openSUSE": _FEDORA_STYLE,
    "Mageia": _FEDORA_STYLE,
    "CentOS": _FEDORA_STYLE,
    "Debian": _DEBIAN_STYLE,
    "Ubuntu": _DEBIAN_STYLE,
    "Arch Linux": _ARCH_STYLE,
    "NixOS": _ARCH_STYLE,
    "Gentoo": _ARCH_STYLE,
    "Alpine": _ARCH_STYLE,
}

# Consonant-vowel syllables (no "y", so a "py" prefix can never equal a stem's start).
_SYLLABLES = tuple(c + v for c in "bdfgklmnprstvz" for v in "aeiou")[:64]
_OWNERS = ("acme", "opensrc", "kde", "gnome", "apache", "mozilla", "linux", "freedesktop")
_FLAG_REASONS = (
    "The project moved to a new homepage, please update it.",
    "Duplicate of another project.",
    "The regex picks up pre-releases.",
    "Upstream is dead; can this be archived?",
    "Wrong backend: the project is on PyPI.",
)


def realistic_stem(index: int) -> str:
    """A unique pronounceable name for ``index`` (base-64 syllables, least significant first)."""
    value = index + len(_SYLLABLES)  # at least two syllables
    parts = []
    while value:
        value, digit = divmod(value, len(_SYLLABLES))
        parts.append(_SYLLABLES[digit])
    return "".join(parts)


def realistic_project(index: int, seed: int) -> dict:
    """The project fields (name, homepage, backend, version_url, regex) of a realistic project."""
    backend = _pick(REALISTIC_BACKENDS, mix(seed, index, _S_KIND))
    stem = realistic_stem(index)
    draw = mix(seed, index, _S_PREFIX) % 100
    owner = _OWNERS[mix(seed, index, _S_OWNER) % len(_OWNERS)]
    name = stem
    version_url = None
    regex = None
    if backend == "PyPI":
        name = f"py{stem}" if draw < 25 else (f"python-{stem}" if draw < 35 else stem)
        homepage = f"https://pypi.org/project/{name}"
    elif backend == "npmjs":
        name = f"node-{stem}" if draw < 20 else stem
        homepage = f"https://www.npmjs.com/package/{name}"
    elif backend == "crates.io":
        name = f"{stem}-rs" if draw < 20 else stem
        homepage = f"https://crates.io/crates/{name}"
    elif backend == "Rubygems":
        homepage = f"https://rubygems.org/gems/{name}"
    elif backend == "GitHub":
        name = f"py{stem}" if draw < 5 else stem
        homepage = f"https://github.com/{owner}/{name}"
        version_url = f"{owner}/{name}"
    elif backend == "GitLab":
        homepage = f"https://gitlab.com/{owner}/{name}"
    elif backend == "folder":
        homepage = f"https://download.example.org/pub/{name}/"
        version_url = homepage
    elif backend == "GNOME":
        homepage = f"https://download.gnome.org/sources/{name}/"
    elif backend == "CPAN (perl)":
        name = stem.capitalize() + "-" + realistic_stem(index + 7).capitalize()
        homepage = f"https://metacpan.org/dist/{name}"
    elif backend == "Packagist":
        name = f"{owner}/{stem}"
        homepage = f"https://packagist.org/packages/{name}"
    elif backend == "Hackage":
        homepage = f"https://hackage.haskell.org/package/{name}"
    else:  # custom
        name = f"lib{stem}" if draw < 10 else stem
        homepage = f"https://{stem}.example.org/"
        version_url = f"https://{stem}.example.org/download/"
        if mix(seed, index, _S_REGEX) % 4 == 0:
            regex = rf"{name}-([\d.]+)\.tar\.xz"
    return {
        "name": name,
        "homepage": homepage,
        "backend": backend,
        "version_url": version_url,
        "regex": regex,
    }


def realistic_versions(index: int, seed: int, count: int) -> list[str]:
    """``count`` increasing numeric versions (x.y.z), oldest first: every scheme agrees."""
    start = mix(seed, index, _S_START)
    major, minor, patch = start % 3, (start >> 8) % 10, 0
    versions = []
    for number in range(count):
        if number:
            step = mix(seed, index, _S_STEP, number) % 100
            if step < 70:
                patch += 1
            elif step < 95:
                minor, patch = minor + 1, 0
            else:
                major, minor, patch = major + 1, 0, 0
        versions.append(f"{major}.{minor}.{patch}")
    return versions


def package_name(distro: str, backend: str, name: str) -> str:
    base = name.lower().replace("/", "-")
    style = _PACKAGE_STYLE.get(distro, {}).get(backend, "{}")
    return style.format(base)


# -- writing ------------------------------------------------------------------------------


@dataclass
class Summary:
    """What :func:`generate` wrote."""

    projects: int = 0
    versions: int = 0
    distros: int = 0
    packages: int = 0
    flags: int = 0
    users: int = 0
    seconds: float = 0.0
    first_project_id: int = 0
    token: str | None = None
    """The secret of the API token created for the first user (``Authorization: Token ...``)."""

    def __str__(self) -> str:
        return (
            f"{self.projects} projects, {self.versions} versions, {self.distros} distros, "
            f"{self.packages} mappings, {self.flags} flags, {self.users} users "
            f"in {self.seconds:.1f} s"
        )


class _Writer:
    """Appends rows (tuples in the order of ``fields``) to a model's table, fast."""

    def __init__(self, model: type, fields: Sequence[str], using: str) -> None:
        from django.db import connections

        self.model = model
        self.connection = connections[using]
        meta = model._meta
        self.table = meta.db_table
        # Columns added to the model later (not listed) get their default, so the dataset
        # keeps loading while the schema grows.
        listed = {meta.get_field(name).attname for name in fields}
        extra = [f for f in meta.concrete_fields if f.attname not in listed]
        self.extra = tuple(f.get_default() for f in extra)
        all_fields = [meta.get_field(name) for name in fields] + extra
        self.fields = all_fields
        self.columns = [field.column for field in all_fields]

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.extra:
            rows = [row + self.extra for row in rows]
        connection = self.connection
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in self.columns)
        if connection.vendor == "postgresql":
            raw = connection.connection  # the psycopg connection, inside our transaction
            copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Elsewhere (SQLite), each value as Django would send it (UUIDs, aware datetimes...).
        rows = [
            tuple(
                field.get_db_prep_save(value, connection)
                for field, value in zip(self.fields, row, strict=True)
            )
            for row in rows
        ]
        marks = ", ".join(["%s"] * len(self.columns))
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})",
                    rows[start : start + 500],
                )


def _max_id(model: type, using: str) -> int:
    from django.db.models import Max

    return model.objects.using(using).aggregate(top=Max("pk"))["top"] or 0


def _dataset_models() -> list[type]:
    from django.apps import apps

    from accounts.models import ApiToken, User
    from messaging.models import OutboxMessage
    from projects.models import CheckRun, Distro, Flag, Package, Project, ProjectVersion

    models = [Flag, Package, ProjectVersion, Project, Distro, CheckRun, OutboxMessage]
    with contextlib.suppress(LookupError):  # the scheduler's rate-limit state, if any
        models.append(apps.get_model("projects", "RateLimitBlock"))
    return [*models, ApiToken, User]


def reset(using: str = "default") -> None:
    """Empty every table the dataset (and a check cycle) writes: projects, versions, distros,
    mappings, flags, check runs, the outbox, users and tokens. Only for benchmark databases."""
    from django.db import connections, transaction

    connection = connections[using]
    models = _dataset_models()
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            for model in models:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def generate(
    n_projects: int,
    *,
    seed: int = 0,
    versions_per_project: int = 5,
    with_mappings: bool = True,
    with_flags: bool = True,
    with_users: bool = True,
    mix_name: str = "realistic",
    upstream: str = "http://127.0.0.1:8765",
    reset_first: bool = False,
    chunk_size: int = 10_000,
    using: str = "default",
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Write ``n_projects`` projects (and their versions, mappings, flags, users).

    ``mix_name`` is ``realistic`` or ``checks`` (see the module docstring); ``upstream`` is the
    simulator's base URL for the checks mix. Project ``i`` (1-based) gets id ``first + i - 1``
    where ``first`` follows the highest existing id; with ``reset_first`` the tables are
    emptied first (and ids start at 1). The same seed must not be loaded twice into one
    database without a reset (names would collide).
    """
    from django.core.management.color import no_style
    from django.db import connections, transaction

    from accounts.models import ApiToken, User, hash_token
    from backends.ecosystems import derive_ecosystem_name
    from projects.models import Distro, Flag, Package, Project, ProjectVersion

    if mix_name not in ("realistic", "checks"):
        raise ValueError(f"unknown mix {mix_name!r} (realistic or checks)")
    started = time.perf_counter()
    if reset_first:
        reset(using)
    connection = connections[using]
    summary = Summary()
    project_fields = (
        "id",
        "name",
        "homepage",
        "backend",
        "ecosystem_name",
        "version_url",
        "regex",
        "version_prefix",
        "version_pattern",
        "version_scheme",
        "pre_release_filter",
        "version_filter",
        "insecure",
        "releases_only",
        "archived",
        "latest_version",
        "logs",
        "check_successful",
        "error_counter",
        "last_check",
        "next_check",
        "etag",
        "last_modified",
        "created_on",
        "updated_on",
    )
    version_fields = ("id", "project", "version", "created_on", "published_at", "commit_url")
    package_fields = ("id", "distro", "project", "package_name")
    flag_fields = ("id", "project", "author", "reason", "state", "created_on", "updated_on")

    with transaction.atomic(using=using):
        # Distributions (kept if they exist, matched case-insensitively).
        distro_ids: dict[str, int] = {}
        if with_mappings:
            existing = {d.name.lower(): d.pk for d in Distro.objects.using(using).all()}
            for name, _share in DISTROS:
                if name.lower() not in existing:
                    existing[name.lower()] = Distro.objects.using(using).create(name=name).pk
                    summary.distros += 1
                distro_ids[name] = existing[name.lower()]

        # Users: one per 100 projects, and a token for the first one.
        user_ids: list[uuid.UUID] = []
        if with_users:
            count = max(1, n_projects // 100)
            users = [
                User(
                    id=uuid.UUID(int=mix(seed, number, _S_USER) << 64 | number),
                    email=f"bench-user{number}-s{seed}@example.org",
                    username=f"bench-user{number}",
                    password="!",  # unusable: nobody signs in with a password
                    admin=number == 0,
                    date_joined=_JOINED_BASE + dt.timedelta(hours=number),
                )
                for number in range(count)
            ]
            User.objects.using(using).bulk_create(users, batch_size=1000)
            user_ids = [user.id for user in users]
            summary.users = count
            secret = hashlib.sha256(f"releasemon-bench-token-{seed}".encode()).hexdigest()[:40]
            ApiToken.objects.using(using).create(
                user=users[0],
                key_hash=hash_token(secret),
                prefix=secret[:8],
                description="bench dataset",
                created=EPOCH,
            )
            summary.token = secret

        first_id = _max_id(Project, using) + 1
        next_version_id = _max_id(ProjectVersion, using) + 1
        next_package_id = _max_id(Package, using) + 1
        next_flag_id = _max_id(Flag, using) + 1
        summary.first_project_id = first_id
        writers = {
            "project": _Writer(Project, project_fields, using),
            "version": _Writer(ProjectVersion, version_fields, using),
            "package": _Writer(Package, package_fields, using),
            "flag": _Writer(Flag, flag_fields, using),
        }
        names: set[str] = set()
        taken_packages: dict[str, set[str]] = {name: set() for name in distro_ids}
        hour = dt.timedelta(hours=1)

        for chunk_start in range(1, n_projects + 1, chunk_size):
            chunk_end = min(chunk_start + chunk_size, n_projects + 1)
            projects, versions, packages, flags = [], [], [], []
            for index in range(chunk_start, chunk_end):
                project_id = first_id + index - 1
                count = stored_version_count(index, seed, versions_per_project)
                created = _CREATED_BASE + dt.timedelta(minutes=index)
                if mix_name == "checks":
                    name = check_project_name(index)
                    backend, homepage, version_url = check_urls(index, seed, upstream)
                    regex = None
                    version_strings = [check_version(number) for number in range(count)]
                    archived = False
                    last_check = None
                    health = None
                    logs = None
                    errors = 0
                    next_check = EPOCH
                else:
                    fields = realistic_project(index, seed)
                    name, backend = fields["name"], fields["backend"]
                    homepage, version_url = fields["homepage"], fields["version_url"]
                    regex = fields["regex"]
                    if name in names:  # pragma: no cover - stems are unique by construction
                        name = f"{name}-{index}"
                    version_strings = realistic_versions(index, seed, count)
                    archived = unit(seed, index, _S_ARCHIVED) < 0.01
                    last_check = EPOCH - dt.timedelta(minutes=index % 60)
                    failing = unit(seed, index, _S_HEALTH) < 0.05
                    health = not failing
                    logs = (
                        "No new version found" if health else f"{name}: no upstream version found."
                    )
                    errors = 1 + index % 7 if failing else 0
                    next_check = last_check + hour
                names.add(name)
                projects.append(
                    (
                        project_id,
                        name,
                        homepage,
                        backend,
                        derive_ecosystem_name(backend, homepage),
                        version_url,
                        regex,
                        None,
                        None,
                        None,
                        None,
                        None,
                        False,
                        False,
                        archived,
                        version_strings[-1] if version_strings else None,
                        logs,
                        health,
                        errors,
                        last_check,
                        next_check,
                        "",
                        "",
                        created,
                        created,
                    )
                )
                for number, version in enumerate(version_strings):
                    moment = created + dt.timedelta(days=number)
                    versions.append((next_version_id, project_id, version, moment, moment, None))
                    next_version_id += 1
                if with_mappings:
                    for number, (distro, share) in enumerate(DISTROS):
                        if unit(seed, index, _S_MAP, number) >= share:
                            continue
                        package = package_name(distro, backend, name)
                        if package in taken_packages[distro]:
                            continue
                        taken_packages[distro].add(package)
                        packages.append((next_package_id, distro_ids[distro], project_id, package))
                        next_package_id += 1
                if with_flags and unit(seed, index, _S_FLAG) < 0.02:
                    reason = _FLAG_REASONS[mix(seed, index, _S_FLAG) % len(_FLAG_REASONS)]
                    state = "closed" if unit(seed, index, _S_STATE) < 0.7 else "open"
                    author = (
                        user_ids[mix(seed, index, _S_AUTHOR) % len(user_ids)] if user_ids else None
                    )
                    flags.append(
                        (next_flag_id, project_id, author, reason, state, created, created)
                    )
                    next_flag_id += 1
            writers["project"].write(projects)
            writers["version"].write(versions)
            writers["package"].write(packages)
            writers["flag"].write(flags)
            summary.projects += len(projects)
            summary.versions += len(versions)
            summary.packages += len(packages)
            summary.flags += len(flags)
            if progress is not None:
                progress(summary.projects, n_projects)

        # The ids were given explicitly: move the sequences past them.
        statements = connection.ops.sequence_reset_sql(
            no_style(), [Project, ProjectVersion, Package, Flag]
        )
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Project, ProjectVersion, Package, Flag, Distro, User):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    summary.seconds = time.perf_counter() - started
    return summary


# -- Django and the database --------------------------------------------------------------


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named in ``url`` if it does not exist; True if created."""
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] not in ("postgres", "postgresql", "pgsql"):
        return False
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def setup_django(database_url: str | None = None, *, migrate: bool = False) -> None:
    """Configure Django on ``database_url`` (else DATABASE_URL), optionally migrating it."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "releasemon-bench-not-secret")
    # Never DEBUG, whatever the shell says: it keeps every query of every connection (9,000
    # each) and times them, which measured 167-235 MiB and more CPU per check at 200,000.
    os.environ["DEBUG"] = os.environ["RELEASEMON_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "releasemon.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dataset",
        description="Load the deterministic benchmark dataset into a database.",
    )
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-project", type=int, default=5, help="mean; 1..2v-1")
    parser.add_argument("--mix", choices=("realistic", "checks"), default="realistic")
    parser.add_argument(
        "--upstream",
        default="http://127.0.0.1:8765",
        help="the simulator's base URL (checks mix only)",
    )
    parser.add_argument("--no-mappings", action="store_true")
    parser.add_argument("--no-flags", action="store_true")
    parser.add_argument("--no-users", action="store_true")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_BENCH_DATABASE,
        help=f"default: DATABASE_URL, else {DEFAULT_BENCH_DATABASE} (created if missing)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="first EMPTY the projects, versions, distros, mappings, flags, check runs, outbox, "
        "users and tokens tables (benchmark databases only)",
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)

    ensure_database(args.database_url)
    setup_django(args.database_url, migrate=True)

    def report(done: int, total: int) -> None:
        if not args.quiet:
            print(f"  {done}/{total} projects", file=sys.stderr, flush=True)

    summary = generate(
        args.projects,
        seed=args.seed,
        versions_per_project=args.versions_per_project,
        with_mappings=not args.no_mappings,
        with_flags=not args.no_flags,
        with_users=not args.no_users,
        mix_name=args.mix,
        upstream=args.upstream,
        reset_first=args.reset,
        chunk_size=args.chunk_size,
        progress=report,
    )
    print(f"loaded {summary}")
    if summary.token:
        print(f"API token of bench-user0 (admin): {summary.token}")


if __name__ == "__main__":
    main()
