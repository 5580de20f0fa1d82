"""The paired benchmark: releasemon and a pinned Anitya, in turns, on the same data.

    .venv/bin/python -m bench.paired.run                      # everything, about 15 minutes
    .venv/bin/python -m bench.paired.run --skip-checks --duration 10
    .venv/bin/python -m bench.paired.run --only html-search,v1-project --skip-checks
    .venv/bin/python -m bench.paired.run --skip-endpoints --latencies 50

1. Installs the pinned Anitya (anitya-requirements.txt) into var/bench/anitya-venv if needed.
2. Loads the shared dataset (bench.dataset, realistic mix, ``--projects``) into releasemon's
   ``releasemon_paired`` (as bench/api/run.py does, with its marker table) and copies the
   same rows into Anitya's ``anitya_paired``, whose schema Anitya creates itself
   (anitya_side.py, run in Anitya's venv).
3. Serves both with gunicorn, the same settings (bench.api.run.Gunicorn), and measures every
   endpoint with wrk ``--pairs`` times in turns: Anitya, releasemon, Anitya, releasemon...
4. Check cycles (``--check-projects``, each latency of ``--latencies``): per pair both
   databases are loaded afresh with the same checks-mix projects and each checker runs one
   cycle against bench/checks/simulator.py; nvchecker too, unless ``--no-nvchecker``.
5. Prints the ratio table, the details, the machine's load before and after and the commit.

It EMPTIES and reloads the four databases it names (``releasemon_paired``, ``anitya_paired``,
and their ``_checks`` twins). README.md says what each number means.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.api.run import (
    Gunicorn,
    code_fingerprint,
    dataset_counts,
    dataset_parameters,
    ensure_dataset,
    load_average,
    server_environment,
    terminated_as_interrupt,
    vacuum_projects,
)
from bench.dataset import ensure_database, setup_django
from bench.paired import anitya_env, checks, endpoints, nvchecker, report

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"


def _databases(args: argparse.Namespace) -> dict[str, str]:
    base = args.server.rstrip("/")
    return {
        "releasemon": f"{base}/releasemon_paired",
        "anitya": f"{base}/anitya_paired",
        "releasemon_checks": f"{base}/releasemon_paired_checks",
        "anitya_checks": f"{base}/anitya_paired_checks",
    }


def prepare_endpoint_data(args: argparse.Namespace, databases: dict[str, str]) -> list[str]:
    """releasemon's database (bench.api.run's loader) and Anitya's copy; lines saying what."""
    args.database_url = databases["releasemon"]
    env = server_environment(args)
    warnings.filterwarnings("ignore", message="No directory at")
    os.environ.update(env)
    os.environ.pop("RELEASEMON_CONFIG", None)
    ensure_database(args.database_url)
    setup_django(args.database_url, migrate=True)
    loaded = ensure_dataset(args)
    vacuum_projects()
    counts = dataset_counts()
    fingerprint = json.dumps({**dataset_parameters(args), **counts}, sort_keys=True)
    ensure_database(databases["anitya"])
    config = anitya_env.write_config(
        "anitya-web", anitya_env.database_url(databases["anitya"], "anitya_paired", "psycopg2")
    )
    if args.reload or anitya_env.stored_fingerprint(databases["anitya"]) != fingerprint:
        copied = anitya_env.load(databases["releasemon"], config, fingerprint)
        anitya_line = f"Anitya's copy loaded: {copied}"
    else:
        anitya_line = "Anitya's copy already loaded"
    args.anitya_config = config
    return [
        f"releasemon: {counts['projects']} projects, {counts['versions']} versions, "
        f"{counts['mappings']} mappings, {counts['flags']} flags (seed {args.seed}); {loaded}",
        anitya_line,
    ]


def measure_endpoints(args: argparse.Namespace, selected: list) -> tuple[dict, dict]:
    parameters = endpoints.pick_parameters(args.projects)
    from django.db import connections

    connections.close_all()
    releasemon_env = server_environment(args)
    anitya_env_vars = anitya_env.environment(args.anitya_config)
    servers: list[Gunicorn] = []
    with tempfile.TemporaryDirectory(prefix="bench-paired-") as folder:
        scripts = endpoints.write_scripts(folder, parameters)
        try:
            anitya = Gunicorn(
                args,
                anitya_env_vars,
                app="anitya.wsgi:application",
                python=str(anitya_env.PYTHON),
                cwd=anitya_env.VAR,
            )
            servers.append(anitya)
            ours = Gunicorn(args, releasemon_env)
            servers.append(ours)
            first = endpoints.resolve(selected[0], parameters)
            anitya.wait_ready(first)
            ours.wait_ready(first)
            sides = [
                endpoints.Side("Anitya", anitya, "anitya_paired"),
                endpoints.Side("releasemon", ours, "releasemon_paired"),
            ]
            results = endpoints.measure_pairs(sides, selected, parameters, args, scripts)
        finally:
            for server in servers:
                server.stop()
    return results, parameters


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    if shutil.which("wrk") is None and not args.skip_endpoints:
        raise SystemExit("wrk (the load tool) is not installed: `apt-get install -y wrk`")
    load_before = load_average()
    code_before = code_fingerprint()
    databases = _databases(args)
    anitya_version = anitya_env.ensure_venv(args.quiet)
    nv_version = None
    if args.nvchecker and not args.skip_checks:
        nv_version = nvchecker.ensure_venv()
    header_data = prepare_endpoint_data(args, databases)
    selected = [] if args.skip_endpoints else list(endpoints.ENDPOINTS)
    if args.only:
        keys = [key.strip() for key in args.only.split(",") if key.strip()]
        known = {endpoint.key: endpoint for endpoint in endpoints.ENDPOINTS}
        unknown = [key for key in keys if key not in known]
        if unknown:
            raise SystemExit(f"unknown endpoint(s) {', '.join(unknown)}; known: {', '.join(known)}")
        selected = [known[key] for key in keys]
    endpoint_results, parameters = ({}, {})
    if selected:
        endpoint_results, parameters = measure_endpoints(args, selected)
    cycles = [] if args.skip_checks else checks.measure_cycles(args, databases)
    load_after = load_average()
    code_after = code_fingerprint()
    elapsed = time.monotonic() - started

    header = [
        f"paired benchmark: Anitya {anitya_version} (var/bench/anitya-venv, pinned) against "
        f"releasemon {code_before}"
        + (
            ""
            if code_after == code_before
            else f"; CHANGED during the run, at the end: {code_after}"
        ),
        *header_data,
        f"gunicorn {importlib.metadata.version('gunicorn')} for both: {args.workers} workers "
        f"({'sync' if args.threads == 1 else 'gthread'}, {args.threads} thread(s)), 127.0.0.1, "
        f"debug off; Python {platform.python_version()}, {os.cpu_count()} cores",
        f"wrk: {args.connections} connections, {args.duration:.0f} s per measurement after a "
        f"{args.warmup:.0f} s warm-up, timeout {args.timeout:.0f} s; {args.pairs} pairs "
        "(Anitya, releasemon, Anitya, releasemon, ...)",
    ]
    if parameters:
        header.append(
            f"project {parameters['project_id']} ({parameters['name']}), package "
            f"{parameters['distro']}/{parameters['package']}, by_ecosystem "
            f"{parameters['ecosystem']}/{parameters['ecosystem_project']}, search "
            f"{parameters['search']!r}, {parameters['html_pages']} HTML pages"
        )
    if cycles:
        workers = {c.details.get("workers") for c in cycles if c.side == "releasemon"}
        header.append(
            f"checks: {args.check_projects} projects (checks mix), Anitya's checker "
            f"(CRON_POOL 10, one process, publishing stubbed), releasemon's run_cycle "
            f"({'/'.join(str(w) for w in sorted(workers))} process(es), CRON_POOL 10)"
            + (f", {nv_version} (regex source)" if nv_version else "")
            + f"; {checks.expected_new(args)} new versions upstream per cycle"
        )
    header += [
        f"load average before: {' / '.join(map(str, load_before))} (1/5/15 min)",
        f"load average after:  {' / '.join(map(str, load_after))}",
        f"elapsed: {elapsed / 60:.1f} min",
    ]
    summary = report.print_report(
        header, endpoints.ENDPOINTS, endpoint_results, cycles, args.check_projects
    )
    failures = sum(
        result.non_2xx + result.errors
        for sides in endpoint_results.values()
        for runs in sides.values()
        for result in runs
    )
    wrong_checks = [
        c for c in cycles if c.side != "nvchecker" and (c.success != c.projects or c.errors)
    ]
    for cycle in wrong_checks:
        print(f"CHECKS: {cycle.side} at {cycle.latency_ms:.0f} ms: {cycle.success} successes")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "header": header,
                    "summary": summary,
                    "parameters": parameters,
                    "load_average": {"before": load_before, "after": load_after},
                    "elapsed_s": elapsed,
                    "endpoints": {
                        key: {side: [vars(r) for r in runs] for side, runs in sides.items()}
                        for key, sides in endpoint_results.items()
                    },
                    "cycles": [cycle.as_dict() for cycle in cycles],
                },
                indent=2,
                default=str,
            )
        )
    return 1 if failures or wrong_checks else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.paired.run", description=__doc__)
    parser.add_argument("--projects", type=int, default=10_000, help="endpoints' dataset")
    parser.add_argument("--check-projects", type=int, default=2000, help="per check cycle")
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs (>= 3 advised)")
    parser.add_argument("--duration", type=float, default=4, help="wrk seconds per measurement")
    parser.add_argument("--warmup", type=float, default=1, help="wrk warm-up seconds")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30, help="wrk's socket timeout, s")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=1, help="1 = sync workers")
    parser.add_argument("--throttle", default="1000000/hour", help="releasemon's API throttles")
    parser.add_argument("--only", help="comma-separated endpoint keys (default: all)")
    parser.add_argument("--skip-endpoints", action="store_true")
    parser.add_argument("--skip-checks", action="store_true")
    parser.add_argument(
        "--latencies", default="50,0", help="simulator latencies in ms (default 50,0)"
    )
    parser.add_argument(
        "--check-workers",
        type=int,
        default=0,
        help="releasemon's checker processes "
        "(default: check_task_count(), as the service runs a cycle)",
    )
    parser.add_argument("--no-nvchecker", dest="nvchecker", action="store_false")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-project", type=int, default=5)
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    parser.add_argument("--reload", action="store_true", help="reload the endpoints' data")
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    args.latencies = [float(value) / 1000 for value in args.latencies.split(",") if value.strip()]
    if args.pairs < 1 or args.projects < 100 or args.check_projects < 1:
        parser.error("--pairs >= 1, --projects >= 100 and --check-projects >= 1, please")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        with terminated_as_interrupt():
            status = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted (the servers, if started, were stopped)", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(status)


if __name__ == "__main__":
    main()
