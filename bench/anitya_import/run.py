"""Time ``manage.py import_anitya`` on a large Anitya database, with its memory over time.

    .venv/bin/python -m bench.anitya_import.run             # 200,000 projects, 3.5M versions
    .venv/bin/python -m bench.anitya_import.run --projects 20000 --versions 350000

It needs PostgreSQL (``--server``, default postgresql://postgres@127.0.0.1:5432, trust
authentication) and **empties two databases**: ``anitya_import_bench`` (Anitya's side: its
schema from tests/fixtures/anitya/schema-postgresql.sql, so Anitya itself is not needed, filled
with COPY; reused while its parameters are the same) and ``releasemon_import_bench`` (dropped
and migrated before each run). Then it runs the import twice in a child process, sampling the
child's resident memory every second: the first import, and an unchanged re-import (what the
cut-over run costs when little changed). It prints one table: wall time, rows per second,
peak resident memory and the resident memory at each quarter of the run (flat is the goal).

The catalogue: ``--projects`` projects (a backend mix: custom with a regex, GitHub, PyPI,
npmjs, crates.io), ``--versions`` versions spread unevenly (1 to 2v-1 per project, v the
mean), one mapping per project in one of ten distros, a flag per 100 projects, a user per 100
projects with an API token each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "fixtures" / "anitya" / "schema-postgresql.sql"
SOURCE_DB = "anitya_import_bench"
TARGET_DB = "releasemon_import_bench"
MARKER = "bench_anitya_import"
BACKENDS = [("custom", 40), ("GitHub", 30), ("PyPI", 15), ("npmjs", 10), ("crates.io", 5)]
DISTROS = [
    "Fedora",
    "Debian",
    "Ubuntu",
    "Arch",
    "Alpine",
    "Gentoo",
    "NixOS",
    "openSUSE",
    "Homebrew",
    "FreeBSD",
]
T0 = dt.datetime(2020, 1, 1)


def url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


def recreate(server: str, name: str) -> None:
    with psycopg.connect(url(server, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _backend(i: int) -> str:
    slot, total = i % 100, 0
    for name, share in BACKENDS:
        total += share
        if slot < total:
            return name
    return "custom"


def _copy(cursor: psycopg.Cursor, table: str, columns: str, rows) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _projects(n: int):
    for i in range(1, n + 1):
        backend = _backend(i)
        name = f"pkg{i}"
        if backend == "custom":
            home, eco, vurl, regex = (
                f"https://{name}.example.org",
                f"https://{name}.example.org",
                f"https://{name}.example.org/dl",
                rf"{name}-([\d.]+)\.tar",
            )
        elif backend == "GitHub":
            home, eco, vurl, regex = (
                f"https://github.com/o/{name}",
                f"https://github.com/o/{name}",
                f"o/{name}",
                None,
            )
        else:
            eco = {"PyPI": "pypi", "npmjs": "npm", "crates.io": "crates.io"}[backend]
            home, vurl, regex = f"https://{eco}.example/{name}", None, None
        created = T0 + dt.timedelta(minutes=i)
        yield (
            i,
            name,
            home,
            backend,
            eco,
            vurl,
            regex,
            False,
            False,
            0,
            None,
            False,
            None,
            created,
            created,
            created + dt.timedelta(days=400),
            created,
            "ok",
            True,
        )


def _versions(n: int, mean: float):
    top = max(1, int(2 * mean - 1))
    for i in range(1, n + 1):
        count = 1 + (i * 7919) % top
        created = T0 + dt.timedelta(minutes=i)
        for v in range(count):
            yield (i, f"{v // 10}.{v % 10}.{i % 7}", created + dt.timedelta(hours=v), None)


def fill_source(server: str, projects: int, versions: int) -> str:
    """Anitya's database with the catalogue (kept while its parameters are the same)."""
    wanted = f"{projects}/{versions}/1"
    try:
        with psycopg.connect(url(server, SOURCE_DB)) as conn:
            if conn.execute(f"SELECT parameters FROM {MARKER}").fetchone()[0] == wanted:
                return "reused"
    except (psycopg.Error, TypeError):
        pass
    recreate(server, SOURCE_DB)
    started = time.perf_counter()
    with psycopg.connect(url(server, SOURCE_DB)) as conn, conn.cursor() as cur:
        body = "\n".join(
            line for line in SCHEMA.read_text().splitlines() if not line.startswith("--")
        )
        for statement in filter(None, (part.strip() for part in body.split(";"))):
            cur.execute(statement)
        _copy(cur, "distros", "name", ((d,) for d in DISTROS))
        users = [
            (uuid.UUID(int=i + 1), f"user{i}@example.org", f"user{i}", True, i == 0)
            for i in range(max(1, projects // 100))
        ]
        _copy(cur, "users", "id, email, username, active, admin", users)
        _copy(
            cur,
            "tokens",
            "token, created, user_id, description",
            ((f"{i:040d}", T0, u[0], "bench") for i, u in enumerate(users)),
        )
        _copy(
            cur,
            "projects",
            "id, name, homepage, backend, ecosystem_name, version_url, regex, insecure, "
            "releases_only, error_counter, version_scheme, archived, latest_version, "
            "last_check, next_check, created_on, updated_on, logs, check_successful",
            _projects(projects),
        )
        _copy(
            cur,
            "projects_versions",
            "project_id, version, created_on, commit_url",
            _versions(projects, versions / projects),
        )
        _copy(
            cur,
            "packages",
            "id, distro_name, project_id, package_name",
            ((i, DISTROS[i % 10], i, f"pkg{i}") for i in range(1, projects + 1)),
        )
        _copy(
            cur,
            "projects_flags",
            'id, project_id, reason, "user", state, created_on, updated_on',
            (
                (i, i * 100, "bench", "user0@example.org", "closed", T0, T0)
                for i in range(1, projects // 100 + 1)
            ),
        )
        cur.execute(
            "UPDATE projects p SET latest_version = (SELECT max(version) FROM projects_versions v "
            "WHERE v.project_id = p.id)"
        )
        cur.execute(f"CREATE TABLE {MARKER} (parameters text)")
        cur.execute(f"INSERT INTO {MARKER} VALUES (%s)", [wanted])
    with psycopg.connect(url(server, SOURCE_DB), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return f"filled in {time.perf_counter() - started:.0f} s"


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_import(server: str, env: dict[str, str], report: Path) -> dict:
    command = [
        sys.executable,
        "manage.py",
        "import_anitya",
        "--from",
        url(server, SOURCE_DB),
        "--report",
        str(report),
    ]
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    samples: list[int] = []
    stderr_lines: list[str] = []
    stdout_lines: list[str] = []  # the summary (progress goes to stderr)

    readers = [
        threading.Thread(target=lambda: stderr_lines.extend(child.stderr), daemon=True),
        threading.Thread(target=lambda: stdout_lines.extend(child.stdout), daemon=True),
    ]
    for reader in readers:
        reader.start()
    while child.poll() is None:
        samples.append(_rss_kib(child.pid))
        time.sleep(1.0)
    for reader in readers:
        reader.join()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit("import failed:\n" + "".join(stderr_lines[-20:]))
    samples = [s for s in samples if s] or [0]
    quarters = [samples[min(len(samples) - 1, len(samples) * q // 4)] for q in (1, 2, 3, 4)]
    return {
        "wall": wall,
        "peak": max(samples),
        "quarters": quarters,
        "summary": stdout_lines[-1].strip() if stdout_lines else "",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--projects", type=int, default=200_000)
    parser.add_argument("--versions", type=int, default=3_500_000)
    args = parser.parse_args(argv)
    print(
        f"Anitya's database: {fill_source(args.server, args.projects, args.versions)}",
        file=sys.stderr,
        flush=True,
    )
    recreate(args.server, TARGET_DB)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELEASEMON_")}
    # Production settings: DEBUG off (Django would keep the SQL of the last 9,000 queries).
    env.update(
        DATABASE_URL=url(args.server, TARGET_DB),
        SECRET_KEY=secrets.token_urlsafe(32),
        LOG_LEVEL="WARNING",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    results = []
    for label in ("first import", "re-import, unchanged"):
        print(f"{label}...", file=sys.stderr, flush=True)
        results.append(
            (label, run_import(args.server, env, ROOT / "var" / "bench" / "anitya-import.csv"))
        )
    rows = args.projects + args.versions
    print(
        f"\n{args.projects:,} projects, {args.versions:,} versions (PostgreSQL, batches of 1000)\n"
    )
    print(f"{'run':<24}{'wall':>10}{'rows/s':>10}{'peak RSS':>11}   RSS at 25/50/75/100 %")
    for label, result in results:
        quarters = " / ".join(f"{q / 1024:.0f}" for q in result["quarters"])
        print(
            f"{label:<24}{result['wall']:>9.0f}s{rows / result['wall']:>10,.0f}"
            f"{result['peak'] / 1024:>8.0f} MiB   {quarters} MiB"
        )
    for label, result in results:
        print(f"{label}: {result['summary']}")


if __name__ == "__main__":
    main()
