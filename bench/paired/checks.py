"""The paired check cycles: Anitya's checker and releasemon's, in turns, over the same projects
on the same simulator (bench/checks/simulator.py), at each latency.

Per latency, one simulator (bench.checks.run.SimulatorProcess); per pair, both databases are
loaded afresh with the same projects (bench.checks.run.load_dataset: the ``checks`` mix, 80%
``custom`` download pages, 10% ``custom`` pages behind a ``*`` directory glob, 10% Gitea tag
APIs, all due, 5% with a new version upstream), Anitya's copied from releasemon's; then Anitya
runs one cycle, then releasemon. Each side's checker runs in its own process and reports its
own CPU time; the runner samples the PostgreSQL backends of each side's database meanwhile
and asks the simulator how many requests and TCP connections it served.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

from bench.api.run import CpuSampler, postgres_backends
from bench.checks.run import SimulatorProcess, _child_env, load_dataset
from bench.checks.simulator import published_count
from bench.dataset import ROOT, ensure_database, stored_version_count
from bench.paired import anitya_env, nvchecker

INITIAL_NEW = 0.05  # share of projects whose page lists one version more than stored


@dataclass
class CycleResult:
    side: str
    latency_ms: float
    projects: int
    wall: float = 0.0
    cpu: float = 0.0  # the checker processes' CPU seconds during the cycle
    db_cpu: float | None = None  # the database's backends, sampled
    success: int = 0
    errors: int = 0
    new_versions: int | None = None
    requests: int = 0  # served by the simulator
    connections: int = 0  # TCP connections the simulator accepted
    load: tuple = ()
    details: dict = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.projects / self.wall if self.wall else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.projects

    @property
    def db_ms(self) -> float | None:
        return None if self.db_cpu is None else 1000 * self.db_cpu / self.projects

    def as_dict(self) -> dict:
        return {**asdict(self), "per_second": self.per_second, "cpu_ms": self.cpu_ms}


def expected_new(args: argparse.Namespace) -> int:
    """The new versions the simulator lists (generation 0) for the loaded projects."""
    rule = {"seed": args.seed, "versions_per_project": args.versions_per_project}
    return sum(
        published_count(index, generation=0, initial_new=INITIAL_NEW, publish=0.0, **rule)
        - max(1, stored_version_count(index, args.seed, args.versions_per_project))
        for index in range(1, args.check_projects + 1)
    )


def _simulator_arguments(args: argparse.Namespace, latency: float) -> argparse.Namespace:
    return argparse.Namespace(
        latency=latency,
        seed=args.seed,
        versions_per_project=args.versions_per_project,
        initial_new=INITIAL_NEW,
        publish=0.0,
        max_seconds=3 * 3600,
    )


def _timed(sim: SimulatorProcess, database: str, body) -> tuple[dict, float | None, dict]:
    """Run ``body()`` while sampling ``database``'s backends; its result, their CPU seconds,
    and the simulator's counts for the window."""
    sim.call("POST", "reset")
    find = postgres_backends(database, set())
    sampler = CpuSampler(find) if find is not None else None
    if sampler is not None:
        sampler.start()
    result = body()
    db_cpu = sampler.stop() if sampler is not None else None
    return result, db_cpu, sim.call("GET", "stats")


def run_anitya(sim: SimulatorProcess, config, database: str, latency: float, n: int) -> CycleResult:
    result, db_cpu, stats = _timed(
        sim, database, lambda: anitya_env.run_side(["check"], config, timeout=3600)
    )
    return _cycle_result("Anitya", latency, n, result, db_cpu, stats)


def run_releasemon(
    sim: SimulatorProcess, url: str, database: str, latency: float, n: int, workers: int
) -> CycleResult:
    def body() -> dict:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.paired.releasemon_cycle",
                "--database-url",
                url,
                "--simulator",
                sim.url,
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=_child_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise SystemExit(f"releasemon's cycle failed:\n{completed.stderr[-4000:]}")
        return json.loads(completed.stdout.strip().splitlines()[-1])

    result, db_cpu, stats = _timed(sim, database, body)
    return _cycle_result("releasemon", latency, n, result, db_cpu, stats)


def _cycle_result(
    side: str, latency: float, n: int, result: dict, db_cpu: float | None, stats: dict
) -> CycleResult:
    """One side's cycle, from its own report, PostgreSQL's CPU and the simulator's counts."""
    return CycleResult(
        side=side,
        latency_ms=1000 * latency,
        projects=n,
        wall=result["wall"],
        cpu=result["cpu"],
        db_cpu=db_cpu,
        success=result["success"],
        errors=result["error"] + result["ratelimit"],
        new_versions=result["new_versions"],
        requests=stats["requests"],
        connections=stats["connections"],
        details=result,
    )


def measure_cycles(args: argparse.Namespace, databases: dict[str, str]) -> list[CycleResult]:
    """Every latency, ``args.pairs`` pairs (Anitya then releasemon; nvchecker after them when
    ``args.nvchecker``); the results in the order taken."""
    releasemon_url = databases["releasemon_checks"]
    anitya_url = databases["anitya_checks"]
    ensure_database(releasemon_url)
    ensure_database(anitya_url)
    config = anitya_env.write_config(
        "anitya-checks",
        anitya_env.database_url(anitya_url, anitya_url.rsplit("/", 1)[1], "psycopg2"),
    )
    releasemon_db = releasemon_url.rsplit("/", 1)[1]
    anitya_db = anitya_url.rsplit("/", 1)[1]
    loader = argparse.Namespace(
        projects=args.check_projects,
        database_url=releasemon_url,
        seed=args.seed,
        versions_per_project=args.versions_per_project,
        quiet=True,
    )
    results: list[CycleResult] = []
    for latency in args.latencies:
        sim = SimulatorProcess(_simulator_arguments(args, latency))
        try:
            for pair in range(args.pairs):
                if not args.quiet:
                    print(
                        f"  check cycle, {1000 * latency:.0f} ms, pair {pair + 1}/{args.pairs}: "
                        "loading both databases",
                        file=sys.stderr,
                        flush=True,
                    )
                load_dataset(loader, sim.url)
                anitya_env.load(releasemon_url, config, f"checks {time.time()}")
                for side in ("Anitya", "releasemon"):
                    if not args.quiet:
                        print(f"  ... {side}", file=sys.stderr, flush=True)
                    if side == "Anitya":
                        result = run_anitya(sim, config, anitya_db, latency, args.check_projects)
                    else:
                        result = run_releasemon(
                            sim,
                            releasemon_url,
                            releasemon_db,
                            latency,
                            args.check_projects,
                            args.check_workers,
                        )
                    result.load = tuple(round(value, 2) for value in os.getloadavg())
                    results.append(result)
                if args.nvchecker:
                    if not args.quiet:
                        print("  ... nvchecker", file=sys.stderr, flush=True)
                    sim.call("POST", "reset")
                    run = nvchecker.run_cycle(sim.url, args)
                    stats = sim.call("GET", "stats")
                    results.append(
                        CycleResult(
                            side="nvchecker",
                            latency_ms=1000 * latency,
                            projects=run["projects"],
                            wall=run["wall"],
                            cpu=run["cpu"],
                            success=run["found"],
                            errors=run["projects"] - run["found"],
                            requests=stats["requests"],
                            connections=stats["connections"],
                            details=run,
                        )
                    )
        finally:
            sim.stop()
    return results
