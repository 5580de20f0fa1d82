"""One releasemon check cycle in its own process, for the paired benchmark.

    .venv/bin/python -m bench.paired.releasemon_cycle --database-url URL --simulator URL

The database (bench/paired loads it with the checks mix) is not the one the runner's own Django
is set up on, so the cycle runs here: ``bench.checks.run.run_one_cycle`` (``run_cycle()`` in this
process, plus ``--workers`` - 1 processes draining the same cycle, as the service's q2 workers
do; default ``check_task_count()``, what the service runs a cycle with). Prints one JSON line:
the cycle's wall time, the checkers' CPU (start-up excluded) and the CheckRun's counts.
"""

from __future__ import annotations

import argparse
import json
import os

from bench.checks.run import SimulatorProcess, run_one_cycle
from bench.dataset import setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--simulator", required=True, help="the running simulator's base URL")
    parser.add_argument("--workers", type=int, default=0, help="0: check_task_count()")
    args = parser.parse_args(argv)
    # As bench.checks.run sets them: loopback allowed, quiet logs, no proxy for loopback.
    os.environ["FETCH_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    setup_django(args.database_url)
    from django.conf import settings

    from projects.scheduler import check_task_count

    workers = args.workers or check_task_count()
    # The simulator runs in the paired runner; only its URL is needed (SimulatorProcess.call).
    simulator = SimulatorProcess.__new__(SimulatorProcess)
    simulator.url = args.simulator
    cycle = run_one_cycle(simulator, None, label="releasemon", quiet=True, workers=workers)
    result = {
        "wall": cycle.wall,
        "cpu": cycle.checker_cpu + cycle.checker_children_cpu,
        "workers": workers,
        "pool": settings.CRON_POOL,
        "peak_rss_kib": cycle.checker_peak_rss_kib,
        **{key: cycle.run[key] for key in ("total", "success", "error", "ratelimit")},
        "new_versions": cycle.run.get("new_versions"),
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
