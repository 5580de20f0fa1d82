"""Checks spread over several machines, for real: network namespaces on this one.

    sudo .venv/bin/python -m bench.multihost.run                # 5,000 projects, 1/2/3 hosts, kill
    .venv/bin/python -m bench.multihost.run --projects 300 --hosts 1,2 --no-kill

Builds a database host (its own PostgreSQL and Redis), an upstream host (the checks
simulator) and up to three worker hosts (``manage.py qcluster`` each), runs check cycles with
1, 2 and 3 worker hosts (and one where a worker host is killed part way), verifies that no
project was checked twice and that every new version was stored and announced exactly once,
and prints a Markdown table. See README.md. Needs root (namespaces, cgroups); removes
everything it made on exit, also after Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.dataset import ROOT, ensure_database, setup_django
from bench.multihost import services
from bench.multihost.measure import install_instrumentation, run_cycle
from bench.multihost.netlab import CPUACCT, Lab


def preflight() -> None:
    """Refuse early, in one line, what cannot work here."""
    if os.geteuid() != 0:
        raise SystemExit("bench.multihost needs root (network namespaces, veth, cgroups)")
    for tool in ("ip", "setpriv", "redis-server"):
        if shutil.which(tool) is None:
            raise SystemExit(f"bench.multihost needs {tool!r} (apt-get install -y ...)")
    if not (services.PG_BIN / "initdb").exists():
        raise SystemExit(f"bench.multihost needs PostgreSQL 15 binaries in {services.PG_BIN}")
    if not CPUACCT.is_dir():
        print("note: no cpuacct cgroup here: CPU columns will read 0", file=sys.stderr)


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM/SIGHUP become SystemExit, so the finally blocks and atexit clean up.
    raise SystemExit(128 + signum)


def load_dataset(args: argparse.Namespace, database_url: str, upstream: str) -> float:
    """Empty the tables and load the checks mix pointing at the upstream host; seconds."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [
            sys.executable, "-m", "bench.dataset", "--projects", str(args.projects),
            "--mix", "checks", "--upstream", upstream, "--seed", str(args.seed),
            "--versions-per-project", str(args.versions_per_project),
            "--database-url", database_url, "--reset", "--quiet",
        ],
        cwd=ROOT, check=True, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def run_configuration(
    lab: Lab, args: argparse.Namespace, urls: dict[str, str], hosts: int, kill: bool
) -> dict:
    """Fresh dataset and simulator, ``hosts`` clusters, ``--cycles`` cycles, verification."""
    from django.conf import settings
    from django.utils import timezone

    from bench.checks.run import verify
    from projects import next_check
    from projects.models import Project

    label = f"{hosts} host{'s' if hosts > 1 else ''}" + (", one killed" if kill else "")
    print(f"== {label}", file=sys.stderr, flush=True)
    workers = [lab.hosts[f"w{i}"] for i in range(1, hosts + 1)]
    upstream = services.Upstream(lab, lab.hosts["up"], args, log=f"upstream-{hosts}-{kill}.log")
    result: dict = {"label": label, "hosts": hosts, "kill": kill, "cycles": []}
    try:
        result["load_seconds"] = load_dataset(args, urls["database"], upstream.url)
        services.flush_redis(urls["redis"])
        tasks = hosts * args.tasks_per_host
        # What every machine's CHECK_TASKS says: run_checks (here, as on whichever cluster
        # the schedule fires) queues one check_due task per task slot of the whole fleet.
        settings.CHECK_TASKS = tasks
        env = services.worker_environment(
            database_url=urls["database"],
            redis_url=urls["redis"],
            secret_key=urls["secret_key"],
            upstream_address=lab.hosts["up"].address,
            q2_workers=args.tasks_per_host + 1,
            check_tasks=tasks,
            check_timeout=args.check_timeout,
            cron_pool=args.pool,
            batch_size=args.batch_size,
            home=lab.tmp,
        )
        logs = []
        for host in workers:
            log = f"{host.name}-{hosts}-{kill}.log"
            logs.append(log)
            services.start_cluster(lab, host, env, log)
        services.wait_for_clusters(lab, workers, args.tasks_per_host + 1, logs)
        for number in range(1, args.cycles + 1):
            if number > 1:
                if kill:  # the killed machine comes back for the next cycle
                    services.start_cluster(lab, workers[-1], env, f"{workers[-1].name}-back.log")
                    services.wait_for_clusters(lab, workers, args.tasks_per_host + 1, logs)
                upstream.call("POST", "generation")
                next_check.make_due(Project.objects.all(), timezone.now() - dt.timedelta(seconds=1))
            cycle = run_cycle(
                lab,
                workers,
                upstream,
                label=f"{label}, cycle {number}",
                projects=args.projects,
                tick=args.tick,
                kill=workers[-1] if kill and number == 1 else None,
                kill_at=args.kill_at,
                crash=args.kill_mode == "crash",
            )
            if not kill and cycle.run_totals.get("success") != args.projects:
                cycle.problems.append(f"{cycle.label}: CheckRuns count {cycle.run_totals}")
            result["cycles"].append(cycle)
            print(f"   cycle {number}: {cycle.wall:.1f} s", file=sys.stderr, flush=True)
        for host in workers:
            lab.stop_host(host)
        rule = argparse.Namespace(**vars(args))
        if args.cycles < 2:  # verify() reads generation 1 as the final list: none published
            rule.publish = 0.0
        result["verification"] = verify(rule, upstream.call("GET", "projects"))
    finally:
        for host in workers:
            lab.stop_host(host)
        upstream.stop()
    return result


def run(lab: Lab, args: argparse.Namespace) -> list[dict]:
    lab.make_bridge()
    db = lab.add_host("db", 2)
    up = lab.add_host("up", 3)
    for number in range(1, max(args.hosts) + 1):
        lab.add_host(f"w{number}", 10 + number)
    urls = {
        "database": services.start_postgres(lab, db, keepalives=args.kill_mode == "crash"),
        "redis": services.start_redis(lab, db),
        "secret_key": services.new_secret_key(),
    }
    # This process is the controller: it loads data, calls run_checks() and verifies, over
    # the bridge, with the same settings as the workers.
    os.environ.update(
        DATABASE_URL=urls["database"],
        Q2_BROKER="redis",
        REDIS_URL=urls["redis"],
        SECRET_KEY=urls["secret_key"],
        CHECK_TIMEOUT=str(args.check_timeout),
        CRON_POOL=str(args.pool),
        CHECK_BATCH_SIZE=str(args.batch_size),
        Q2_WORKERS=str(args.tasks_per_host + 1),
        LOG_LEVEL="WARNING",
        FETCH_ALLOWED_NETWORKS=json.dumps([f"{up.address}/32"]),
    )
    ensure_database(urls["database"])
    setup_django(urls["database"], migrate=True)
    install_instrumentation()
    configurations = [(hosts, False) for hosts in args.hosts]
    if args.kill and max(args.hosts) > 1:  # someone must be left to take the projects over
        configurations.append((max(args.hosts), True))
    return [run_configuration(lab, args, urls, hosts, kill) for hosts, kill in configurations]


# -- printing -------------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_table(args: argparse.Namespace, results: list[dict], code: str) -> list[str]:
    """The Markdown table and the details under it; returns every problem found."""
    problems: list[str] = []
    print()
    print(
        f"multihost checks benchmark: {args.projects} projects, latency {args.latency * 1000:.0f}"
        f" ms, CRON_POOL={args.pool}, {args.tasks_per_host} check task(s) per host, "
        f"CHECK_TIMEOUT={args.check_timeout} s, run_checks every {args.tick:g} s; code {code}"
    )
    print()
    print(
        "| hosts | projects | cycle | wall | projects/s | CPU ms per check | failover "
        "| re-fetched | duplicates |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for result in results:
        for number, cycle in enumerate(result["cycles"], start=1):
            kind = "first checks" if number == 1 else "304s, 10% new"
            failover = "-"
            if cycle.killed:
                failover = (
                    f"{_seconds(cycle.failover)} s ({cycle.held_by_killed} projects reclaimed "
                    f"from {_seconds(cycle.reclaim_started)} s; killed at "
                    f"{_seconds(cycle.kill_after)} s)"
                )
            hosts = f"{result['hosts']}" + (f" ({cycle.killed} killed)" if cycle.killed else "")
            print(
                f"| {hosts} | {cycle.projects} | {number}: {kind} | {cycle.wall:.1f} s "
                f"| {cycle.projects / max(cycle.wall, 1e-9):.0f} | {cycle.cpu_ms_per_check:.2f} "
                f"| {failover} | {cycle.refetched} | {cycle.duplicates} |"
            )
            problems += cycle.problems
        problems += result["verification"]["problems"]
    print()
    for result in results:
        check = result["verification"]
        print(f"{result['label']}: dataset loaded in {result['load_seconds']:.1f} s")
        for number, cycle in enumerate(result["cycles"], start=1):

            def listing(values: dict, unit: str = "") -> str:
                return ", ".join(f"{key} {value}{unit}" for key, value in sorted(values.items()))

            cpu = {host: f"{seconds:.1f}" for host, seconds in cycle.worker_cpu.items()}
            print(f"  cycle {number}: checks completed per host: {listing(cycle.per_host)}")
            print(
                f"    worker CPU {listing(cpu, ' s')}; per check: database host "
                f"{1000 * cycle.db_cpu / cycle.projects:.2f} ms, upstream host "
                f"{1000 * cycle.upstream_cpu / cycle.projects:.2f} ms"
            )
            print(f"    peak PostgreSQL connections: {listing(cycle.connections)}")
            print(
                f"    {cycle.requests} upstream requests; CheckRuns {cycle.runs}: "
                f"{listing(cycle.run_totals)}; load average at the end {cycle.load_average[0]}"
            )
        print(
            f"  new versions: served {check['new_served']} (rule {check['new_served_expected']}),"
            f" stored {check['new_stored']}, announced {check['new_announced']} in "
            f"{check['messages_v2']} v2 + {check['messages_v1']} v1 messages: "
            + ("OK" if not check["problems"] else "PROBLEMS")
        )
    print()
    print("verification: " + ("OK" if not problems else "FAILED"))
    for problem in problems:
        print(f"  problem: {problem}")
    return problems


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.multihost.run", description=__doc__.splitlines()[0]
    )
    add = parser.add_argument
    add("--projects", type=int, default=5000)
    add("--hosts", default="1,2,3", help="worker host counts to measure, e.g. 1,2,3 (max 3)")
    add(
        "--kill",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the largest host count again, killing its last host part way",
    )
    add("--kill-at", type=float, default=0.4, help="share of projects checked at the kill")
    add(
        "--kill-mode",
        choices=("processes", "crash"),
        default="processes",
        help="processes: SIGKILL all (the kernel closes their sockets); crash: take the host "
        "off the network first, so nobody hears of it (PostgreSQL keepalives then matter)",
    )
    add("--latency", type=float, default=0.2, help="simulator seconds per answer")
    add("--pool", type=int, default=10, help="CRON_POOL of every worker host")
    add("--tasks-per-host", type=int, default=1, help="check_due tasks per host (Q2_WORKERS-1)")
    add("--batch-size", type=int, default=200, help="CHECK_BATCH_SIZE")
    add("--check-timeout", type=int, default=20, help="CHECK_TIMEOUT (lease: this + 60 s)")
    add("--tick", type=float, default=5.0, help="seconds between run_checks() calls")
    add(
        "--cycles",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: also a second cycle after new versions (mostly 304s)",
    )
    add("--seed", type=int, default=0)
    add("--versions-per-project", type=int, default=5)
    add("--initial-new", type=float, default=0.05)
    add("--publish", type=float, default=0.10)
    add("--json", metavar="FILE", help="also write the measurements as JSON")
    add("--keep-logs", action="store_true", help="keep the hosts' logs (path printed)")
    args = parser.parse_args(argv)
    args.hosts = sorted({int(n) for n in args.hosts.split(",") if n.strip()})
    if not args.hosts or min(args.hosts) < 1 or max(args.hosts) > 3:
        parser.error("--hosts: one to three worker hosts, e.g. 1,2,3")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    preflight()
    from bench.checks.run import code_fingerprint

    code = code_fingerprint()
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    lab = Lab(keep_logs=args.keep_logs)
    try:
        results = run(lab, args)
    finally:
        lab.cleanup()
    problems = print_table(args, results, code)
    if args.json:
        for result in results:
            result["cycles"] = [
                {**vars(c), "cpu_ms_per_check": c.cpu_ms_per_check} for c in result["cycles"]
            ]
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=2))
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
