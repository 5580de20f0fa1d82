"""CPU per check, without the pool's threads: what one check costs, whatever the load.

    .venv/bin/python -m bench.checks.cpu --projects 1000 [--repeat 3] [--pool 1]

The wall time of a cycle depends on the machine's load; the CPU time one check costs does not
(much), so this is the number to compare two versions of the code with. It starts the
simulator with no latency, loads the checks dataset (``--projects`` projects) into the
benchmark database and drains it with ``projects.scheduler.drain`` and ``--pool`` threads
(default 1: no thread waits for the GIL), measuring this process's CPU time
(``time.process_time``: claims, batch loads, fetching, parsing and recording; the simulator
and PostgreSQL are other processes) per project, in three cases:

- **first check**: every page answers 200 and the validators are stored (5% of the projects
  list a new version);
- **304**: the same again, nothing changed upstream: every page and tag list answers 304
  (the glob projects still fetch their unconditional directory listing first);
- **200, nothing new**: the stored validators are cleared first, so every answer is a 200
  listing only known versions.

Each case is run ``--repeat`` times (the dataset reloaded each time) and the best is
printed, with the PostgreSQL connections of the benchmark database before and after (the
drain must not leave any open) and the TCP connections the simulator accepted per case (the
pool thread keeps its connection to the upstream: one, not one per check).
``--no-keepalive`` measures the same without keep-alive (every check connects anew, as before
``backends.http.keepalive``). It shares the runner's options and database (EMPTIED).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.checks.run import SimulatorProcess, ThreadProfiles, load_dataset
from bench.dataset import DEFAULT_BENCH_DATABASE, ensure_database, setup_django

CASES = ("first check", "304", "200, nothing new")


def _backends(database: str) -> int:
    """Connections to ``database`` other than this one's (the pool's, if it leaked any).

    A closed connection's backend leaves pg_stat_activity a moment later: asked again for
    up to a second.
    """
    from django.db import connection

    for _ in range(20):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            )
            count = cursor.fetchone()[0]
        if count == 0:
            break
        time.sleep(0.05)
    return count


def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    """Run every case ``args.repeat`` times; return the CPU ms per project of each run."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from projects import next_check
    from projects.models import Project
    from projects.scheduler import drain

    settings.CRON_POOL = args.pool
    if args.no_keepalive:
        import projects.scheduler.pool

        projects.scheduler.pool.kept_connections = contextlib.nullcontext  # type: ignore[assignment]
    database = connection.settings_dict["NAME"]
    sim = SimulatorProcess(args)
    runs: dict[str, list[float]] = {case: [] for case in CASES}
    connected: dict[str, int] = {}
    try:
        for attempt in range(args.repeat):
            load_dataset(args, sim.url)
            before = _backends(database)
            for case in CASES:
                if case == "200, nothing new":
                    Project.objects.update(etag="", last_modified="")
                if case != "first check":
                    next_check.make_due(
                        Project.objects.all(), timezone.now() - dt.timedelta(seconds=1)
                    )
                profile = ThreadProfiles() if args.profile and attempt == 0 else None
                accepted = sim.call("GET", "stats")["connections"]
                started = time.process_time()
                if profile is not None:
                    with profile:
                        counts = drain(timezone.now())
                else:
                    counts = drain(timezone.now())
                spent = time.process_time() - started
                if profile is not None:
                    _print_profile(profile, case, args.profile)
                if counts.success != args.projects:
                    raise SystemExit(f"{case}: {counts} (expected {args.projects} successes)")
                runs[case].append(1000 * spent / args.projects)
                connected[case] = sim.call("GET", "stats")["connections"] - accepted - 1
            after = _backends(database)
            if not args.quiet:
                print(
                    f"run {attempt + 1}: "
                    + ", ".join(
                        f"{case} {runs[case][-1]:.2f} ms ({connected[case]} connections)"
                        for case in CASES
                    )
                    + f"; other connections to {database}: {before} before, {after} after",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        sim.stop()
    return runs


def _print_profile(profile: ThreadProfiles, case: str, prefix: str) -> None:
    """Save the case's profile as PREFIX-<case>.prof and print its busiest functions."""
    stats = profile.stats()
    path = f"{prefix}-{case.split(',')[0].replace(' ', '-')}.prof"
    stats.dump_stats(path)
    print(f"\n== {case}: {path}", file=sys.stderr)
    stats.stream = sys.stderr
    stats.sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.checks.cpu", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pool", type=int, default=1, help="CRON_POOL threads (default 1)")
    parser.add_argument("--database-url", default=DEFAULT_BENCH_DATABASE, help="EMPTIED")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-project", type=int, default=5)
    parser.add_argument(
        "--profile", metavar="PREFIX", help="cProfile the first run of each case (all threads)"
    )
    parser.add_argument(
        "--no-keepalive", action="store_true", help="every check connects anew (for comparison)"
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    # What the simulator and the loader need (see bench.checks.run).
    args.latency, args.initial_new, args.publish, args.max_seconds = 0.0, 0.05, 0.10, 3600.0
    import os

    os.environ["FETCH_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    ensure_database(args.database_url)
    setup_django(args.database_url, migrate=True)
    runs = measure(args)
    keepalive = "off" if args.no_keepalive else "on"
    print(
        f"CPU per check, {args.projects} projects, CRON_POOL={args.pool}, keep-alive "
        f"{keepalive}, best of {args.repeat}:"
    )
    for case in CASES:
        print(f"  {case:<18} {min(runs[case]):6.2f} ms")


if __name__ == "__main__":
    main()
