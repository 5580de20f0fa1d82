"""One measured check cycle over the worker hosts, and what it proves.

**How a cycle starts.** Exactly as the "run-checks" schedule starts one
(``releasemon/schedules.py``): this process calls ``projects.tasks.run_checks()``, which opens
a CheckRun and queues ``CHECK_TASKS`` ``check_due`` tasks on Redis; the worker hosts' q2
clusters pick them up, and their ``projects.scheduler.drain`` share the due projects through
the database claims (``FOR UPDATE SKIP LOCKED`` and a lease). A ``check_due`` task stops
claiming after 50 s (``projects.tasks.CHECK_TASK_SECONDS``); what is left waits for the next
``run_checks``, which the schedule calls every minute and this benchmark every ``--tick``
seconds (same function, same guards: nothing due, or a previous cycle still running, and it
does nothing). A cycle here is over when every project due at its start has been checked.

**What counts as a check.** A check is *completed* when its result is committed: every
outcome moves ``projects_project.last_check``. A trigger installed in the benchmark database
(:data:`INSTRUMENTATION`, not in the application) logs each such update with the address of
the client that made it (``inet_client_addr()``: the worker host) and the time. The simulator
counts each check *started* per project and host (``bench.multihost.upstream``).

- **duplicates**: projects with more than one completed check in the cycle. Must be 0.
- **re-fetched**: projects whose check was started more than once. Allowed only after a kill,
  and only when every extra start is explained: the killed host started it and never completed
  it, and exactly one live host did.

**Failover.** When ``--kill`` is on, the last worker host is killed (SIGKILL to every process in
its namespace) once ``--kill-at`` of the projects are checked. The projects it held (claimed,
not completed) are the ones leased at that moment without a completed check that a live host
does not complete in the same run; they come due again when their lease ends (CHECK_TIMEOUT +
60 s after the claim) and the next run_checks that is allowed to start takes them: the killed
host's check_due task never says it is done, so ``cycle_still_running`` holds new cycles back
until the run is stale (the q2 task timeout, CHECK_TIMEOUT + 60 s, plus 60 s after its start).
The failover time is from the kill to the last of those projects' completed check.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.multihost.netlab import Host, Lab
from bench.multihost.services import Upstream

INSTRUMENTATION = """
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench.checks (
    id bigserial PRIMARY KEY,
    project_id bigint NOT NULL,
    host inet,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE OR REPLACE FUNCTION bench.log_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench.checks (project_id, host) VALUES (NEW.id, inet_client_addr());
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS bench_log_check ON {table};
CREATE TRIGGER bench_log_check AFTER UPDATE OF last_check ON {table}
    FOR EACH ROW WHEN (OLD.last_check IS DISTINCT FROM NEW.last_check)
    EXECUTE FUNCTION bench.log_check();
"""


def install_instrumentation() -> None:
    """The completed-checks log (see the module); in the benchmark's own database only."""
    from django.db import connection

    from projects.models import Project

    with connection.cursor() as cursor:
        cursor.execute(
            INSTRUMENTATION.format(table=connection.ops.quote_name(Project._meta.db_table))
        )


def _sql(query: str, params: tuple = ()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall() if cursor.description else []


@dataclass
class Cycle:
    """What one cycle measured (times in seconds, CPU in seconds)."""

    label: str
    hosts: int
    projects: int
    wall: float = 0.0
    worker_cpu: dict[str, float] = field(default_factory=dict)
    db_cpu: float = 0.0
    upstream_cpu: float = 0.0
    runs: list[int] = field(default_factory=list)
    run_totals: dict[str, int] = field(default_factory=dict)
    per_host: dict[str, int] = field(default_factory=dict)
    #: The most PostgreSQL connections each host had open at once (pg_stat_activity).
    connections: dict[str, int] = field(default_factory=dict)
    completed: int = 0
    duplicates: int = 0
    refetched: int = 0
    killed: str | None = None
    kill_after: float | None = None
    held_by_killed: int = 0
    reclaim_started: float | None = None
    failover: float | None = None
    requests: int = 0
    load_average: tuple[float, ...] = ()
    problems: list[str] = field(default_factory=list)

    @property
    def cpu_ms_per_check(self) -> float:
        return 1000 * sum(self.worker_cpu.values()) / max(1, self.projects)


def run_cycle(
    lab: Lab,
    workers: list[Host],
    upstream: Upstream,
    *,
    label: str,
    projects: int,
    tick: float,
    kill: Host | None = None,
    kill_at: float = 0.4,
    crash: bool = False,
    stall: float = 90.0,
) -> Cycle:
    """Run one cycle (all projects due) on ``workers``; kill ``kill`` part way if given.

    Gives up when no check completes for ``stall`` seconds (after a kill, the wait for the
    lease and the stale run comes on top of it)."""
    from django.conf import settings
    from django.db.models.expressions import RawSQL

    from projects.models import CheckRun, Project
    from projects.tasks import run_checks

    cycle = Cycle(label=label, hosts=len(workers), projects=projects)
    names = {host.address: host.name for host in lab.hosts.values()}
    upstream.call("POST", "reset")  # its counts are this cycle's
    _sql("TRUNCATE bench.checks")
    cpu_before = {host.name: host.cpu_seconds() for host in lab.hosts.values()}
    runs: list[tuple[int, dt.datetime]] = []

    def tick_schedule() -> None:
        run_id = run_checks()  # what the schedule runs; None when it may not start one
        if run_id is not None:
            runs.append((run_id, CheckRun.objects.get(pk=run_id).started_at))

    started = time.time()
    tick_schedule()
    if not runs:
        raise SystemExit("run_checks() started no cycle: nothing was due")
    last_tick = time.monotonic()
    killed_at: float | None = None
    held: set[int] = set()
    last_print = moved = time.monotonic()
    last_completed = -1
    # After a kill: the lease (CHECK_TIMEOUT + 60 s) or the stale run (q2 timeout + 60 s).
    reclaim_wait = float(settings.Q_CLUSTER.get("timeout") or 0) + 60 + tick
    while True:
        time.sleep(0.25)
        (completed,) = _sql("SELECT count(DISTINCT project_id) FROM bench.checks")[0]
        for address, count in _sql(
            "SELECT host(client_addr), count(*) FROM pg_stat_activity WHERE datname = "
            "current_database() AND client_addr IS NOT NULL GROUP BY 1"
        ):
            name = names.get(address, "controller")
            cycle.connections[name] = max(cycle.connections.get(name, 0), count)
        if time.monotonic() - last_print >= 10:
            last_print = time.monotonic()
            print(f"   {time.time() - started:5.0f} s: {completed}/{projects}", file=sys.stderr)
        if kill is not None and killed_at is None and completed >= kill_at * projects:
            if crash:
                lab.cut(kill)
            lab.kill_host(kill)
            killed_at = time.time()
            print(f"   {killed_at - started:5.0f} s: {kill.name} killed", file=sys.stderr)
            # Leased (next_check pushed to a lease's end, still ahead) and not completed:
            # held by some host at the kill; the live hosts' share is completed in the same
            # run. (Projects a task handed back at its time limit are due at once: not held.)
            lease_ahead = max(runs[0][1], dt.datetime.fromtimestamp(killed_at, dt.UTC))
            held = set(
                Project.objects.filter(next_check__gt=lease_ahead)
                .exclude(pk__in=RawSQL("SELECT project_id FROM bench.checks", ()))
                .values_list("pk", flat=True)
            )
        if completed >= projects:
            break
        if time.monotonic() - last_tick >= tick:
            tick_schedule()
            last_tick = time.monotonic()
        if completed != last_completed:
            last_completed, moved = completed, time.monotonic()
        allowed = stall + (reclaim_wait if killed_at is not None else 0)
        if time.monotonic() - moved > allowed:
            cycle.problems.append(
                f"{label}: stalled at {completed} of {projects} checked for {allowed:.0f} s"
            )
            break
    if not cycle.problems:
        _settle(runs, killed_at)
    cpu_after = {host.name: host.cpu_seconds() for host in lab.hosts.values()}
    worker_names = {host.name for host in workers}
    cycle.worker_cpu = {n: cpu_after[n] - cpu_before[n] for n in cpu_after if n in worker_names}
    cycle.db_cpu = cpu_after["db"] - cpu_before["db"]
    cycle.upstream_cpu = cpu_after["up"] - cpu_before["up"]
    cycle.load_average = tuple(round(value, 2) for value in os.getloadavg())
    sim_after = upstream.call("GET", "stats")
    cycle.requests = sim_after["requests"]
    cycle.runs = [run_id for run_id, _ in runs]
    totals: Counter[str] = Counter()
    for run in CheckRun.objects.filter(pk__in=cycle.runs):
        totals.update(total=run.total_count, success=run.success_count, error=run.error_count)
    cycle.run_totals = dict(totals)

    commits = _sql("SELECT project_id, host::text, extract(epoch FROM at) FROM bench.checks")
    last = max((at for _, _, at in commits), default=started)
    cycle.wall = float(last) - started
    completed_by: dict[int, list[str]] = {}
    for pk, address, _ in commits:
        completed_by.setdefault(pk, []).append(names.get(address.split("/")[0], address))
    cycle.completed = len(completed_by)
    cycle.per_host = dict(Counter(host for hosts in completed_by.values() for host in hosts))
    cycle.duplicates = sum(1 for hosts in completed_by.values() if len(hosts) > 1)
    if cycle.duplicates:
        cycle.problems.append(f"{label}: {cycle.duplicates} projects completed twice")
    if cycle.completed != projects:
        cycle.problems.append(f"{label}: {cycle.completed} of {projects} projects completed")
    _check_refetches(cycle, upstream.call("GET", "checks"), completed_by, names, kill)

    if kill is not None and killed_at is not None:
        cycle.killed = kill.name
        cycle.kill_after = killed_at - started
        later = [at.timestamp() for _, at in runs if at.timestamp() > killed_at]
        if later:
            reclaimed = [float(at) for pk, _, at in commits if pk in held and float(at) >= later[0]]
            cycle.held_by_killed = len(reclaimed)
            if reclaimed:
                cycle.reclaim_started = later[0] - killed_at
                cycle.failover = max(reclaimed) - killed_at
    return cycle


def _settle(runs: list[tuple[int, dt.datetime]], killed_at: float | None) -> None:
    """Wait until the live check_due tasks have said they are done (their counts are in the
    CheckRuns). A killed host's tasks never do: after a kill, wait until nothing moved for
    5 s instead."""
    from projects.models import CheckRun

    ids = [run_id for run_id, _ in runs]
    deadline = time.monotonic() + 180
    last, still = None, time.monotonic()
    while time.monotonic() < deadline:
        pending = sum(CheckRun.objects.filter(pk__in=ids).values_list("pending_tasks", flat=True))
        if pending == 0:
            return
        if pending != last:
            last, still = pending, time.monotonic()
        elif killed_at is not None and time.monotonic() - still >= 5:
            return
        time.sleep(0.25)


def _check_refetches(
    cycle: Cycle,
    starts: dict[str, dict[str, int]],
    completed_by: dict[int, list[str]],
    names: dict[str, str],
    kill: Host | None,
) -> None:
    """Count projects started more than once; each must be explained by the kill."""
    from projects.models import Project

    pk_of = {
        int(name.removeprefix("proj")): pk
        for pk, name in Project.objects.values_list("pk", "name").iterator(chunk_size=5000)
    }
    unexplained = 0
    never = len(pk_of) - len(starts)
    for index, peers in starts.items():
        by_host = Counter({names.get(address, address): n for address, n in peers.items()})
        if sum(by_host.values()) <= 1:
            continue
        cycle.refetched += 1
        done = completed_by.get(pk_of.get(int(index), -1), [])
        live_starts = sum(n for host, n in by_host.items() if kill is None or host != kill.name)
        if not (
            kill is not None
            and by_host.get(kill.name)
            and live_starts == 1
            and len(done) == 1
            and done[0] != kill.name
        ):
            unexplained += 1
    if unexplained:
        cycle.problems.append(f"{cycle.label}: {unexplained} projects fetched twice unexplained")
    if never > 0:
        cycle.problems.append(f"{cycle.label}: {never} projects never fetched upstream")
