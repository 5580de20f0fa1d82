"""The checks benchmark: two full check cycles over N projects against the local simulator.

    .venv/bin/python -m bench.checks.run --projects 10000
    .venv/bin/python -m bench.checks.run --compare 10000,50000

On PostgreSQL (``--database-url``, default DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/releasemon_bench; created if missing, then migrated) it

1. starts the upstream simulator (``bench.checks.simulator``) in its own process on 127.0.0.1;
2. loads the checks dataset (``bench.dataset``, mix ``checks``) in a child process, after
   EMPTYING the benchmark database's project, version, mapping, flag, outbox, check-run and
   user tables (so this process's peak memory is the checker's, not the loader's);
3. cycle 1: ``projects.scheduler.run_cycle()`` over every project (all are due), with
   ``--workers`` - 1 more processes draining the same cycle, as the service's q2 workers do
   (by default as many as the service uses: ``projects.scheduler.check_task_count()``);
4. the simulator publishes new versions for a share of the projects (next generation), and
   every project is made due again;
5. cycle 2: the same; unchanged projects should now be answered 304 (conditional requests);
6. verifies against the simulator's deterministic version rule: every version the simulator
   served is stored exactly once, every new version is announced exactly once (outbox rows of
   ``project.version.update.v2``, and as many ``project.version.update``), latest versions
   are right, and each CheckRun counted every project as a success;
7. prints a table (see README.md for what each number means).

``--compare 10000,50000`` runs each size in a fresh process and prints them side by side.
This process is the checker: its CPU time and peak RSS are the checker's.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.checks.simulator import published_count
from bench.dataset import (
    DEFAULT_BENCH_DATABASE,
    ROOT,
    check_version,
    ensure_database,
    setup_django,
    stored_version_count,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy")
TOPIC_V1 = "project.version.update"
TOPIC_V2 = "project.version.update.v2"


# -- processes and memory -----------------------------------------------------------------


def _status_kib(pid: int | str, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


class PostgresMonitor(threading.Thread):
    """Samples the PostgreSQL backends serving our database, from /proc, every ``interval``.

    The backends are the postmaster's children (``/proc/<postmaster>/task/<pid>/children``)
    whose command line names the database (``postgres: user dbname 127.0.0.1(port) ...``);
    the postmaster is the parent of our own backend (``pg_backend_pid()``). Per backend it
    keeps the peak of VmHWM (peak RSS, which includes the shared buffers it touched),
    RssAnon (private memory) and the CPU ticks (utime+stime) last seen. A backend that
    exits between two samples loses at most ``interval`` of CPU time in this count.
    """

    def __init__(self, postmaster: int, database: str, interval: float = 0.5) -> None:
        super().__init__(name="pg-monitor", daemon=True)
        self.postmaster = postmaster
        self.marker = f" {database} ".encode()
        self.interval = interval
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.hwm: dict[int, int] = {}
        self.anon: dict[int, int] = {}
        self.ticks: dict[int, int] = {}
        self.first_ticks: dict[int, int] = {}
        self.peak_total_anon = 0
        self.peak_backends = 0

    def backends(self) -> list[int]:
        try:
            with open(f"/proc/{self.postmaster}/task/{self.postmaster}/children") as children:
                pids = [int(pid) for pid in children.read().split()]
        except (OSError, ValueError):
            return []
        ours = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    if self.marker in cmdline.read():
                        ours.append(pid)
            except OSError:
                continue
        return ours

    def sample(self) -> None:
        pids = self.backends()
        total_anon = 0
        with self.lock:
            for pid in pids:
                hwm = _status_kib(pid, "VmHWM")
                anon = _status_kib(pid, "RssAnon")
                ticks = _cpu_ticks(pid)
                if hwm is not None:
                    self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
                if anon is not None:
                    self.anon[pid] = max(self.anon.get(pid, 0), anon)
                    total_anon += anon
                if ticks is not None:
                    self.ticks[pid] = ticks
                    self.first_ticks.setdefault(pid, ticks)
            self.peak_total_anon = max(self.peak_total_anon, total_anon)
            self.peak_backends = max(self.peak_backends, len(pids))

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def window(self) -> dict:
        """Start a measurement window: forget the peaks, remember the CPU seen so far."""
        self.sample()
        with self.lock:
            baseline = dict(self.ticks)
            self.hwm.clear()
            self.anon.clear()
            self.first_ticks = dict(self.ticks)
            self.peak_total_anon = 0
            self.peak_backends = 0
        return baseline

    def report(self, baseline: dict[int, int]) -> dict:
        self.sample()
        with self.lock:
            cpu_ticks = sum(ticks - baseline.get(pid, 0) for pid, ticks in self.ticks.items())
            return {
                "backends_seen": len(self.hwm),
                "peak_backends": self.peak_backends,
                "cpu_seconds": cpu_ticks / CLOCK_TICKS,
                "max_backend_peak_rss_kib": max(self.hwm.values(), default=0),
                "max_backend_private_kib": max(self.anon.values(), default=0),
                "peak_total_private_kib": self.peak_total_anon,
            }


def _rusage() -> tuple[float, int]:
    """(own CPU seconds, own peak RSS in KiB).

    The peak is VmHWM: ru_maxrss survives fork+exec on Linux (a child started by a bigger
    process reports the parent's peak), VmHWM is this process's own. They agree otherwise.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    peak = _status_kib("self", "VmHWM") or own.ru_maxrss
    return own.ru_utime + own.ru_stime, peak


def code_fingerprint() -> str:
    """The commit and a hash of the checked code as it is on disk (it may be uncommitted)."""
    import hashlib

    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        head = ""
    digest = hashlib.sha256()
    for folder in ("projects", "backends", "messaging"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return f"{head or 'unknown'}, sources {digest.hexdigest()[:12]}"


# -- the simulator ------------------------------------------------------------------------


class SimulatorProcess:
    def __init__(self, args: argparse.Namespace) -> None:
        command = [
            sys.executable,
            "-m",
            "bench.checks.simulator",
            "--port",
            "0",
            "--latency",
            str(args.latency),
            "--seed",
            str(args.seed),
            "--versions-per-project",
            str(args.versions_per_project),
            "--initial-new",
            str(args.initial_new),
            "--publish",
            str(args.publish),
            "--max-seconds",
            str(args.max_seconds),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=_child_env()
        )
        line = self.process.stdout.readline().strip() if self.process.stdout else ""
        if not line.startswith("listening on "):
            self.process.kill()
            raise SystemExit(f"the simulator did not start: {line!r}")
        self.url = line.removeprefix("listening on ")

    def call(self, method: str, path: str) -> dict:
        request = urllib.request.Request(f"{self.url}/_control/{path}", method=method)
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def load_dataset(args: argparse.Namespace, upstream: str) -> None:
    """Empty the benchmark tables and load the checks mix, in a child process (so that the
    loader's memory is not counted as this process's)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.dataset",
            "--projects",
            str(args.projects),
            "--mix",
            "checks",
            "--upstream",
            upstream,
            "--seed",
            str(args.seed),
            "--versions-per-project",
            str(args.versions_per_project),
            "--database-url",
            args.database_url,
            "--reset",
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        env=_child_env(),
        stdout=sys.stderr if not args.quiet else subprocess.DEVNULL,
    )


# -- profiling (threads included) ---------------------------------------------------------


class ThreadProfiles:
    """cProfile (CPU time) for every thread started while it is on (the pool's included)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        # Each thread's own CPU time, not wall time: waits for the network, the database or
        # the GIL do not count, so the numbers say where the CPU goes.
        self.main = cProfile.Profile(time.thread_time)

    def _start(self, *_: object) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile(time.thread_time)
        self.profiles.append(profile)
        profile.enable()

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._start)
        self.main.enable()
        return self

    def __exit__(self, *_: object) -> None:
        self.main.disable()
        threading.setprofile(None)

    def stats(self) -> pstats.Stats:
        stats = pstats.Stats(self.main)
        for profile in self.profiles:
            try:
                profile.create_stats()
                stats.add(profile)
            except (TypeError, ValueError):  # a thread that profiled nothing
                continue
        return stats


# -- extra worker processes (--workers) ---------------------------------------------------


class DrainHelper:
    """Another checker process for the same cycle, as a second q2 worker would be.

    It waits (Django set up) for a go, then for the CheckRun that ``run_cycle`` creates, and
    calls ``projects.scheduler.drain`` with that run: claims (FOR UPDATE SKIP LOCKED) split
    the due projects between it and the main process, and its counts are added to the run.
    """

    def __init__(self, quiet: bool) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.checks.run", "--drain-helper"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_child_env(),
        )

    def wait_ready(self) -> None:
        line = self.process.stdout.readline().strip() if self.process.stdout else ""
        if line != "ready":
            self.process.kill()
            raise SystemExit(f"a drain helper did not start: {line!r}")

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self) -> dict:
        out, _ = self.process.communicate(timeout=3600)
        if self.process.returncode:
            raise SystemExit(f"a drain helper failed (exit {self.process.returncode})")
        return json.loads(out.strip().splitlines()[-1])


def drain_helper() -> None:
    """The --drain-helper process (see DrainHelper)."""
    setup_django()
    from projects.models import CheckRun
    from projects.scheduler import drain

    last = CheckRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    print("ready", flush=True)
    sys.stdin.readline()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    setup_cpu = usage.ru_utime + usage.ru_stime
    deadline = time.monotonic() + 60
    run = None
    while run is None and time.monotonic() < deadline:
        run = CheckRun.objects.filter(pk__gt=last, ended_at__isnull=True).order_by("pk").first()
        if run is None:
            time.sleep(0.01)
    if run is None:
        raise SystemExit("no check run started")
    import inspect

    # The scheduler's drain() takes the run (or its id) whose counts it adds to.
    parameters = inspect.signature(drain).parameters
    target = {"run_id": run.pk} if "run_id" in parameters else {"run": run}
    counts = drain(run.started_at, **target)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "checked": counts.total,
                "setup_cpu": setup_cpu,
                "cpu": usage.ru_utime + usage.ru_stime - setup_cpu,
                "peak_rss_kib": _status_kib("self", "VmHWM") or usage.ru_maxrss,
            }
        ),
        flush=True,
    )


# -- one run ------------------------------------------------------------------------------


@dataclass
class Cycle:
    wall: float = 0.0
    checker_cpu: float = 0.0
    checker_children_cpu: float = 0.0
    checker_peak_rss_kib: int = 0
    checker_rss_kib: int = 0
    helpers: list = field(default_factory=list)
    load_average: tuple = ()
    simulator: dict = field(default_factory=dict)
    postgres: dict = field(default_factory=dict)
    run: dict = field(default_factory=dict)


def run_one_cycle(
    sim: SimulatorProcess,
    monitor: PostgresMonitor | None,
    *,
    label: str,
    quiet: bool,
    profile: ThreadProfiles | None = None,
    workers: int = 1,
) -> Cycle:
    from projects.scheduler import run_cycle

    sim.call("POST", "reset")
    sim_before = sim.call("GET", "stats")
    baseline = monitor.window() if monitor else {}
    last_print = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if not quiet and (now - last_print[0] >= 5 or done == total):
            last_print[0] = now
            print(f"  {label}: {done}/{total}", file=sys.stderr, flush=True)

    helpers = [DrainHelper(quiet) for _ in range(max(0, workers - 1))]
    for helper in helpers:
        helper.wait_ready()
    own_before, _ = _rusage()
    started = time.perf_counter()
    for helper in helpers:
        helper.go()
    if profile is not None:
        with profile:
            run = run_cycle(progress=progress)
    else:
        run = run_cycle(progress=progress)
    helper_results = [helper.finish() for helper in helpers]
    wall = time.perf_counter() - started
    own_after, maxrss = _rusage()
    if helpers:
        run.refresh_from_db()  # the helpers added their counts to the same CheckRun
    sim_after = sim.call("GET", "stats")
    sim_after["cpu"] = (sim_after["cpu_user"] + sim_after["cpu_system"]) - (
        sim_before["cpu_user"] + sim_before["cpu_system"]
    )
    return Cycle(
        wall=wall,
        checker_cpu=own_after - own_before,
        # The extra checker processes' drains, as each measured its own: from the go to the
        # drain's end (their Django start-up and their exit, about 0.25 s of interpreter
        # shutdown each, are not the cycle's; a q2 worker outlives its cycles).
        checker_children_cpu=sum(h["cpu"] for h in helper_results),
        checker_peak_rss_kib=maxrss,
        checker_rss_kib=_status_kib("self", "VmRSS") or 0,
        helpers=helper_results,
        load_average=tuple(round(value, 2) for value in os.getloadavg()),
        simulator=sim_after,
        postgres=monitor.report(baseline) if monitor else {},
        run={
            "id": run.pk,
            "total": run.total_count,
            "success": run.success_count,
            "error": run.error_count,
            "ratelimit": run.ratelimit_count,
            "new_versions": getattr(run, "new_version_count", None),
        },
    )


def verify(args: argparse.Namespace, served: dict) -> dict:
    """Compare what was stored and announced with what the simulator served."""
    from django.db.models import Count

    from messaging.models import OutboxMessage
    from projects.models import Project, ProjectVersion

    rule = {
        "seed": args.seed,
        "versions_per_project": args.versions_per_project,
        "initial_new": args.initial_new,
        "publish": args.publish,
    }
    problems: list[str] = []
    index_of = {
        pk: int(name.removeprefix("proj"))
        for pk, name in Project.objects.values_list("pk", "name").iterator(chunk_size=5000)
    }
    if len(index_of) != args.projects:
        problems.append(f"{len(index_of)} projects in the database, expected {args.projects}")
    stored0 = {
        i: stored_version_count(i, args.seed, args.versions_per_project) for i in index_of.values()
    }
    gen0 = {i: published_count(i, generation=0, **rule) for i in index_of.values()}
    gen1 = {i: published_count(i, generation=1, **rule) for i in index_of.values()}
    expected_new = {i: gen1[i] - stored0[i] for i in gen1 if gen1[i] > stored0[i]}
    new_cycle1 = sum(gen0[i] - stored0[i] for i in gen0)
    new_cycle2 = sum(gen1[i] - gen0[i] for i in gen1)

    # Served: the simulator's highest version count per project (in a 200 answer).
    max_served = {int(k): v for k, v in served["max_served"].items()}
    served_new = sum(max(0, max_served.get(i, 0) - stored0[i]) for i in index_of.values())
    wrong_served = [i for i in index_of.values() if max_served.get(i) != gen1[i]]
    if wrong_served:
        problems.append(
            f"{len(wrong_served)} projects were not served their final version list "
            f"(e.g. proj{wrong_served[0]})"
        )

    # Stored: the version rows of every project equal the final upstream list.
    counts = dict(
        Project.objects.annotate(n=Count("versions"))
        .values_list("pk", "n")
        .iterator(chunk_size=5000)
    )
    stored_total = sum(counts.values())
    stored_new = stored_total - sum(stored0.values())
    wrong_count = [pk for pk, n in counts.items() if n != gen1[index_of[pk]]]
    if wrong_count:
        problems.append(f"{len(wrong_count)} projects hold a wrong number of versions")
    changed_pks = [pk for pk, i in index_of.items() if i in expected_new]
    actual_sets: dict[int, list[str]] = {}
    for start in range(0, len(changed_pks), 5000):
        for pk, version in ProjectVersion.objects.filter(
            project_id__in=changed_pks[start : start + 5000]
        ).values_list("project_id", "version"):
            actual_sets.setdefault(pk, []).append(version)
    for pk in changed_pks:
        want = {check_version(n) for n in range(gen1[index_of[pk]])}
        got = actual_sets.get(pk, [])
        if len(got) != len(set(got)) or set(got) != want:
            problems.append(f"proj{index_of[pk]} stores {sorted(got)}, expected {sorted(want)}")
            break
    latest = dict(Project.objects.values_list("pk", "latest_version").iterator(chunk_size=5000))
    wrong_latest = sum(
        1 for pk, version in latest.items() if version != check_version(gen1[index_of[pk]] - 1)
    )
    if wrong_latest:
        problems.append(f"{wrong_latest} projects have a wrong latest_version")

    # Announced: each new version in exactly one v2 message of its project.
    announced: dict[int, Counter] = {}
    messages_v2: Counter = Counter()
    for pk, versions in OutboxMessage.objects.filter(topic=TOPIC_V2).values_list(
        "body__project__id", "body__message__upstream_versions"
    ):
        messages_v2[pk] += 1
        announced.setdefault(pk, Counter()).update(versions or [])
    messages_v1 = OutboxMessage.objects.filter(topic=TOPIC_V1).count()
    announced_total = sum(sum(c.values()) for c in announced.values())
    twice = sum(1 for c in announced.values() for n in c.values() if n > 1)
    if twice:
        problems.append(f"{twice} versions were announced more than once")
    for pk, i in index_of.items():
        want = Counter(check_version(n) for n in range(stored0[i], gen1[i]))
        if announced.get(pk, Counter()) != want:
            problems.append(
                f"proj{i}: announced {sorted(announced.get(pk, Counter()).elements())}, "
                f"expected {sorted(want.elements())}"
            )
            break
        cycles_with_news = (gen0[i] > stored0[i]) + (gen1[i] > gen0[i])
        if messages_v2[pk] != cycles_with_news:
            problems.append(f"proj{i}: {messages_v2[pk]} v2 messages, expected {cycles_with_news}")
            break
    if messages_v1 != sum(messages_v2.values()):
        problems.append(f"{messages_v1} v1 messages but {sum(messages_v2.values())} v2 messages")

    # Conditional requests: unchanged projects of cycle 2 should have been answered 304.
    unchanged = {i for i in index_of.values() if gen1[i] == gen0[i]}
    got_304 = unchanged & set(served["not_modified_projects"])
    return {
        "problems": problems,
        "new_served_expected": new_cycle1 + new_cycle2,
        "new_cycle1": new_cycle1,
        "new_cycle2": new_cycle2,
        "new_served": served_new,
        "new_stored": stored_new,
        "new_announced": announced_total,
        "messages_v2": sum(messages_v2.values()),
        "messages_v1": messages_v1,
        "unchanged": len(unchanged),
        "unchanged_304": len(got_304),
    }


def run_size(args: argparse.Namespace) -> dict:
    """Everything for one N; returns the measurements (also written to --json)."""
    database_url = args.database_url
    os.environ["FETCH_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    if any(os.environ.get(name) for name in _PROXY_VARIABLES):
        # Never send the benchmark's loopback traffic through a configured proxy. (The HTTP
        # client reads the proxy variables once per process, backends.http.NetworkEnvironment.)
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.pool:
        os.environ["CRON_POOL"] = str(args.pool)
    if args.batch_size:
        os.environ["CHECK_BATCH_SIZE"] = str(args.batch_size)
    ensure_database(database_url)
    setup_django(database_url, migrate=True)
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from projects import next_check
    from projects.models import Project
    from projects.scheduler import check_task_count

    if args.workers <= 0:  # as the service runs a cycle: that many check_due tasks
        args.workers = check_task_count()
    result: dict = {
        "projects": args.projects,
        "pool": settings.CRON_POOL,
        "batch_size": settings.CHECK_BATCH_SIZE,
        "workers": args.workers,
        "latency_ms": args.latency * 1000,
        "seed": args.seed,
        "code": code_fingerprint(),
    }
    sim = SimulatorProcess(args)
    try:
        started = time.perf_counter()
        load_dataset(args, sim.url)
        result["load_seconds"] = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), current_database()")
            backend_pid, database = cursor.fetchone()
        postmaster = _ppid(backend_pid)
        monitor = None
        if postmaster and os.path.exists(f"/proc/{postmaster}/task/{postmaster}/children"):
            monitor = PostgresMonitor(postmaster, database)
            monitor.start()
        result["checker_rss_before_kib"] = _rusage()[1]

        profile = ThreadProfiles() if args.profile else None
        cycle1 = run_one_cycle(
            sim, monitor, label="cycle 1", quiet=args.quiet, profile=profile, workers=args.workers
        )
        sim.call("POST", "generation")
        next_check.make_due(Project.objects.all(), timezone.now() - dt.timedelta(seconds=1))
        cycle2 = run_one_cycle(
            sim, monitor, label="cycle 2", quiet=args.quiet, workers=args.workers
        )
        if monitor:
            monitor.stopped.set()
        result["cycles"] = [cycle1.__dict__, cycle2.__dict__]
        result["verification"] = verify(args, sim.call("GET", "projects"))
        if profile is not None:
            stats = profile.stats()
            stats.dump_stats(args.profile)
            out = io.StringIO()
            stats.stream = out
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(40)
            result["profile_text"] = out.getvalue()
    finally:
        sim.stop()
    return result


# -- printing -----------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / max(1, whole):.1f}%"


def _mib(kib: float | None) -> str:
    return "n/a" if not kib else f"{kib / 1024:.0f} MiB"


def print_table(result: dict) -> None:
    cycles = result["cycles"]
    check = result["verification"]
    n = result["projects"]
    print()
    print(
        f"checks benchmark: {n} projects, {result['workers']} checker process(es), "
        f"CRON_POOL={result['pool']}, batch "
        f"{result['batch_size']}, simulator latency {result['latency_ms']:.0f} ms, "
        f"PostgreSQL; dataset loaded in {result['load_seconds']:.1f} s"
    )
    print(f"code: commit {result.get('code', 'unknown')} (projects/, backends/, messaging/)")
    rows: list[tuple[str, str, str]] = []

    def row(label: str, one: object, two: object) -> None:
        rows.append((label, str(one), str(two)))

    c1, c2 = cycles
    row("projects checked (CheckRun total)", c1["run"]["total"], c2["run"]["total"])
    row(
        "  success / error / rate-limited",
        f"{c1['run']['success']} / {c1['run']['error']} / {c1['run']['ratelimit']}",
        f"{c2['run']['success']} / {c2['run']['error']} / {c2['run']['ratelimit']}",
    )
    row("cycle wall time", f"{c1['wall']:.1f} s", f"{c2['wall']:.1f} s")
    row("projects per second", f"{n / c1['wall']:.0f}", f"{n / c2['wall']:.0f}")
    row(
        "checker CPU (self + children)",
        f"{c1['checker_cpu']:.1f} + {c1['checker_children_cpu']:.1f} s",
        f"{c2['checker_cpu']:.1f} + {c2['checker_children_cpu']:.1f} s",
    )
    row(
        "checker CPU ms per project",
        f"{1000 * (c1['checker_cpu'] + c1['checker_children_cpu']) / n:.2f}",
        f"{1000 * (c2['checker_cpu'] + c2['checker_children_cpu']) / n:.2f}",
    )
    row("simulator CPU", f"{c1['simulator']['cpu']:.1f} s", f"{c2['simulator']['cpu']:.1f} s")
    pg1, pg2 = c1["postgres"], c2["postgres"]
    row(
        "PostgreSQL backends CPU (sampled)",
        f"{pg1.get('cpu_seconds', 0):.1f} s" if pg1 else "n/a",
        f"{pg2.get('cpu_seconds', 0):.1f} s" if pg2 else "n/a",
    )
    row(
        "checker peak RSS (VmHWM)",
        _mib(c1["checker_peak_rss_kib"]),
        _mib(c2["checker_peak_rss_kib"]),
    )
    if c1.get("helpers"):
        row(
            "  extra checker processes' peak RSS",
            ", ".join(_mib(h["peak_rss_kib"]) for h in c1["helpers"]),
            ", ".join(_mib(h["peak_rss_kib"]) for h in c2["helpers"]),
        )
        row(
            "  projects checked by the main process",
            c1["run"]["total"] - sum(h["checked"] for h in c1["helpers"]),
            c2["run"]["total"] - sum(h["checked"] for h in c2["helpers"]),
        )
    row(
        "simulator peak RSS",
        _mib(c1["simulator"]["maxrss_kib"]),
        _mib(c2["simulator"]["maxrss_kib"]),
    )
    row(
        "PostgreSQL backends seen / at once",
        f"{pg1.get('backends_seen', 'n/a')} / {pg1.get('peak_backends', 'n/a')}",
        f"{pg2.get('backends_seen', 'n/a')} / {pg2.get('peak_backends', 'n/a')}",
    )
    row(
        "  largest backend peak RSS (VmHWM)",
        _mib(pg1.get("max_backend_peak_rss_kib")),
        _mib(pg2.get("max_backend_peak_rss_kib")),
    )
    row(
        "  largest backend private RSS",
        _mib(pg1.get("max_backend_private_kib")),
        _mib(pg2.get("max_backend_private_kib")),
    )
    row(
        "  all backends' private RSS, peak",
        _mib(pg1.get("peak_total_private_kib")),
        _mib(pg2.get("peak_total_private_kib")),
    )
    s1, s2 = c1["simulator"], c2["simulator"]
    row(
        "machine load average at the end (1/5 min)",
        "/".join(str(v) for v in c1["load_average"][:2]),
        "/".join(str(v) for v in c2["load_average"][:2]),
    )
    row("upstream requests served", s1["requests"], s2["requests"])
    row(
        "  of which 200 / 304",
        f"{s1['statuses'].get('200', 0)} / {s1['statuses'].get('304', 0)}",
        f"{s2['statuses'].get('200', 0)} / {s2['statuses'].get('304', 0)}",
    )
    row(
        "  304 share of all requests",
        f"{100 * s1['statuses'].get('304', 0) / max(1, s1['requests']):.1f}%",
        f"{100 * s2['statuses'].get('304', 0) / max(1, s2['requests']):.1f}%",
    )
    row(
        "  peak requests in flight",
        s1.get("peak_in_flight", "?"),
        s2.get("peak_in_flight", "?"),
    )
    row(
        "unchanged projects answered 304",
        "-",
        f"{check['unchanged_304']} / {check['unchanged']} "
        f"({100 * check['unchanged_304'] / max(1, check['unchanged']):.1f}%)",
    )
    row("new versions served (expected)", check["new_cycle1"], check["new_cycle2"])
    row("CheckRun new_version_count", c1["run"]["new_versions"], c2["run"]["new_versions"])
    width = max(len(label) for label, _, _ in rows)
    one = max(len("cycle 1"), *(len(a) for _, a, _ in rows))
    two = max(len("cycle 2"), *(len(b) for _, _, b in rows))
    print(f"{'':<{width}} | {'cycle 1':>{one}} | {'cycle 2':>{two}}")
    print(f"{'-' * width}-+-{'-' * one}-+-{'-' * two}")
    for label, a, b in rows:
        print(f"{label:<{width}} | {a:>{one}} | {b:>{two}}")
    print()
    print(
        f"new versions over both cycles: served {check['new_served']} (rule: "
        f"{check['new_served_expected']}), stored {check['new_stored']}, announced "
        f"{check['new_announced']} in {check['messages_v2']} v2 + {check['messages_v1']} v1 "
        "messages"
    )
    print(f"checker peak RSS before cycle 1: {_mib(result['checker_rss_before_kib'])}")
    # 10,000 projects within a minute, and release-monitoring.org's 200,000 within ten (#18).
    limit = 60 if n <= 10_000 else 600 if n >= 200_000 else None
    targets = [
        (
            f"cycle of {n} projects" + (f" <= {limit} s" if limit else ""),
            max(c1["wall"], c2["wall"]) <= limit if limit else None,
        ),
        (
            ">= 95% of unchanged projects answered 304",
            check["unchanged_304"] >= 0.95 * check["unchanged"],
        ),
        ("every new version stored and announced exactly once", not check["problems"]),
    ]
    for label, ok in targets:
        verdict = "OK" if ok else "MISSED"
        if ok is None:
            verdict = "n/a (targets are for 10,000 and 200,000)"
        print(f"target: {label}: {verdict}")
    for problem in check["problems"]:
        print(f"  problem: {problem}")
    if result.get("profile_text"):
        print()
        print(result["profile_text"])


def print_compare(results: list[dict]) -> None:
    print()
    print("checks benchmark, side by side (cycle 1 / cycle 2)")
    labels = [f"{r['projects']} projects" for r in results]

    def both(r: dict, fn) -> str:
        return " / ".join(fn(c) for c in r["cycles"])

    metrics = [
        ("cycle wall time", lambda r: both(r, lambda c: f"{c['wall']:.1f} s")),
        ("projects per second", lambda r: both(r, lambda c: f"{r['projects'] / c['wall']:.0f}")),
        (
            "checker CPU (self + children)",
            lambda r: both(r, lambda c: f"{c['checker_cpu'] + c['checker_children_cpu']:.1f} s"),
        ),
        (
            "checker CPU ms/project",
            lambda r: both(
                r,
                lambda c: (
                    f"{1000 * (c['checker_cpu'] + c['checker_children_cpu']) / r['projects']:.2f}"
                ),
            ),
        ),
        ("checker RSS before cycles", lambda r: _mib(r["checker_rss_before_kib"])),
        ("checker peak RSS", lambda r: both(r, lambda c: _mib(c["checker_peak_rss_kib"]))),
        ("simulator CPU", lambda r: both(r, lambda c: f"{c['simulator']['cpu']:.1f} s")),
        ("simulator peak RSS", lambda r: both(r, lambda c: _mib(c["simulator"]["maxrss_kib"]))),
        (
            "PG backends CPU (sampled)",
            lambda r: both(r, lambda c: f"{c['postgres'].get('cpu_seconds', 0):.1f} s"),
        ),
        (
            "PG largest backend peak RSS",
            lambda r: both(r, lambda c: _mib(c["postgres"].get("max_backend_peak_rss_kib"))),
        ),
        (
            "PG all backends private, peak",
            lambda r: both(r, lambda c: _mib(c["postgres"].get("peak_total_private_kib"))),
        ),
        (
            "304 share, unchanged (cycle 2)",
            lambda r: _percent(r["verification"]["unchanged_304"], r["verification"]["unchanged"]),
        ),
        (
            "new versions served/stored/announced",
            lambda r: (
                f"{r['verification']['new_served']}/{r['verification']['new_stored']}/"
                f"{r['verification']['new_announced']}"
            ),
        ),
        (
            "load average at the end (1 min)",
            lambda r: both(r, lambda c: str(c["load_average"][0])),
        ),
        ("verification", lambda r: "OK" if not r["verification"]["problems"] else "PROBLEMS"),
    ]
    cells = [[fn(r) for r in results] for _, fn in metrics]
    width = max(len(label) for label, _ in metrics)
    widths = [max(len(labels[k]), *(len(row[k]) for row in cells)) for k in range(len(results))]
    print(
        f"{'':<{width}} | "
        + " | ".join(f"{lab:>{w}}" for lab, w in zip(labels, widths, strict=True))
    )
    print(f"{'-' * width}-+-" + "-+-".join("-" * w for w in widths))
    for (label, _), row in zip(metrics, cells, strict=True):
        print(
            f"{label:<{width}} | "
            + " | ".join(f"{v:>{w}}" for v, w in zip(row, widths, strict=True))
        )


# -- command line -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.checks.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--compare", help="sizes to run one after the other, e.g. 10000,50000")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_BENCH_DATABASE,
        help=f"PostgreSQL; default DATABASE_URL, else {DEFAULT_BENCH_DATABASE}. Its project "
        "tables are EMPTIED.",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-project", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05, help="simulator seconds/answer")
    parser.add_argument(
        "--initial-new", type=float, default=0.05, help="share with a new version in cycle 1"
    )
    parser.add_argument(
        "--publish", type=float, default=0.10, help="share publishing a version before cycle 2"
    )
    parser.add_argument("--pool", type=int, default=0, help="CRON_POOL (default: the setting)")
    parser.add_argument(
        "--batch-size", type=int, default=0, help="CHECK_BATCH_SIZE (default: the setting)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="checker processes: run_cycle() here plus N-1 processes draining the same cycle "
        "(as the q2 workers' check_due tasks do; their CPU counts as children). Default: as "
        "many as the service runs a cycle with, projects.scheduler.check_task_count() "
        "(CHECK_TASKS, else Q2_WORKERS - 1: 2 by default); 1 = one process",
    )
    parser.add_argument("--drain-helper", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile", metavar="FILE", help="cProfile cycle 1 (all threads)")
    parser.add_argument("--json", metavar="FILE", help="also write the measurements as JSON")
    parser.add_argument("--max-seconds", type=float, default=3 * 3600, help=argparse.SUPPRESS)
    parser.add_argument("--quiet", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.drain_helper:
        drain_helper()
        return
    if args.compare:
        sizes = [int(size) for size in args.compare.split(",") if size.strip()]
        results = []
        for size in sizes:
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                path = handle.name
            forwarded = [a for a in (argv if argv is not None else sys.argv[1:])]
            forwarded = _without_option(forwarded, "--compare")
            forwarded = _without_option(forwarded, "--projects")
            forwarded = _without_option(forwarded, "--json")
            command = [
                sys.executable,
                "-m",
                "bench.checks.run",
                *forwarded,
                "--projects",
                str(size),
                "--json",
                path,
            ]
            subprocess.run(command, cwd=ROOT, check=True, env=_child_env())
            results.append(json.loads(Path(path).read_text()))
            os.unlink(path)
        print_compare(results)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
        return
    result = run_size(args)
    print_table(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    if result["verification"]["problems"]:
        raise SystemExit(1)


def _without_option(argv: list[str], name: str) -> list[str]:
    out: list[str] = []
    skip = False
    for item in argv:
        if skip:
            skip = False
            continue
        if item == name:
            skip = True
            continue
        if item.startswith(name + "="):
            continue
        out.append(item)
    return out


if __name__ == "__main__":
    main()
