"""The API benchmark: requests per second, p50 and p99 of the main API endpoints and site pages.

    .venv/bin/python -m bench.api.run                                   # the issue's benchmark
    .venv/bin/python -m bench.api.run --only v2-projects,v1-projects-pattern --churn 28
    .venv/bin/python -m bench.api.run --projects 2000 --only v2-projects,v1-project
    .venv/bin/python -m bench.api.run --check                           # does everything answer?
    .venv/bin/python -m bench.api.run --explain v1-projects-pattern     # queries and plans only
    .venv/bin/python -m bench.api.run --profile html-projects           # CPU profile only

On PostgreSQL (``--database-url``, default
postgresql://postgres@127.0.0.1:5432/releasemon_apibench, created if missing) it

1. migrates, then loads the shared dataset (``bench.dataset``, realistic mix) unless the
   database already holds it with the same parameters (a marker table records them;
   ``--reload`` forces a load, which EMPTIES the project, version, mapping, flag, user and token
   tables first), and VACUUM ANALYZEs the project table;
2. picks the endpoints' parameters from the data: a project in the middle of the id range
   with several versions and mappings, its name, a deep page;
3. requests every endpoint twice in this process through Django's test client: each must
   answer 2xx (else the run stops, showing the answer); the SQL queries are counted;
4. starts gunicorn on 127.0.0.1 (a free port; DEBUG off, a throwaway SECRET_KEY, the API
   throttles raised out of the load tool's way) and, with ``--churn``, a thread moving random
   projects' ``updated_on`` as running checks do;
5. per endpoint: one request through gunicorn that must answer 2xx, a warm-up, then wrk with
   ``--latency`` for a fixed duration and connection count: requests/s, p50 and p99 (parsed
   from wrk's latency distribution), wrk's count of answers >= 400 and of socket errors (any
   fails the run), and the CPU time gunicorn and the PostgreSQL backends spent meanwhile;
6. prints the table, the targets, gunicorn's settings and the machine's load average before
   and after, and stops gunicorn (also on Ctrl-C, SIGTERM and errors).

It exits non-zero when an endpoint fails (non-2xx, socket errors), never for a missed target.
README.md says what each number means.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import importlib.metadata
import json
import math
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import dataset
from bench.dataset import ROOT, ensure_database, setup_django

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/releasemon_apibench"
MARKER_TABLE = "bench_api_dataset"
#: gunicorn's --config for every server started here: empty (see the file).
GUNICORN_CONFIG = Path(__file__).resolve().parent / "gunicorn_none.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Anitya 2.3 on this machine, 10,000 projects (issue 6): the v2 projects list at about 40
# requests/s with a p50 above 300 ms, /api/projects/?pattern=py* under 1 request/s. No number
# was measured for the other list endpoints: they are held to the v2 list's 40 (the same
# paginated query plus count in Anitya).
ANITYA_V2_LIST_RPS = 40.0
ANITYA_PATTERN_RPS = 1.0
TARGET_FACTOR = 10
TARGET_P99_MS = 100.0


@dataclass(frozen=True)
class Endpoint:
    """One measured URL. ``path`` may name ``{project_id}``, ``{name}``, ``{deep_page}`` and
    ``{random_page}``: a page drawn at random from all of them for every request."""

    key: str
    path: str
    kind: str  # "list" (throughput target) or "detail" (latency target only)
    anitya_rps: float | None = None  # Anitya 2.3's measured requests/s, if known

    def target_rps(self) -> float | None:
        if self.kind != "list":
            return None
        return TARGET_FACTOR * (self.anitya_rps or ANITYA_V2_LIST_RPS)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("v2-projects", "/api/v2/projects/?items_per_page=25&page=1", "list", 40.0),
    Endpoint("v2-projects-deep", "/api/v2/projects/?items_per_page=25&page={deep_page}", "list"),
    # Beyond the list: every request a random page, as a crawler or a mirror would ask,
    # so that the per-process caches of the API (projects/representations.py) mostly miss.
    Endpoint(
        "v2-projects-random", "/api/v2/projects/?items_per_page=25&page={random_page}", "list"
    ),
    Endpoint("v2-projects-name", "/api/v2/projects/?name={name}", "list"),
    Endpoint("v1-projects-pattern", "/api/projects/?pattern=py*", "list", ANITYA_PATTERN_RPS),
    Endpoint("v1-project", "/api/project/{project_id}", "detail"),
    Endpoint("v2-versions", "/api/v2/versions/?project_id={project_id}", "detail"),
    Endpoint("v2-packages", "/api/v2/packages/?distribution=Fedora", "list"),
    Endpoint("html-projects", "/projects/", "list"),
    Endpoint("html-project", "/project/{project_id}/", "detail"),
)

# Prints wrk's request count, duration and error counters (connect, read, write, timeout, and
# "status": answers of 400 and above) as a machine-readable line after its report. It defines
# no response() callback on purpose: with one, wrk hands every body to Lua, which costs wrk
# more CPU than some of the endpoints cost the server (the v1 pattern answer is 7 MB).
WRK_SCRIPT = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH-SUMMARY %d %d %d %d %d %d %d\n", summary.requests,
    summary.duration, e.connect, e.read, e.write, e.timeout, e.status))
end
"""

# The same, and every request for a page drawn at random: init() gets the path before and after
# the number, the lowest and highest page, and a seed (wrk's arguments after ``--``).
WRK_SPREAD_SCRIPT = (
    WRK_SCRIPT
    + r"""
function init(args)
  prefix, suffix = args[1], args[4]
  low, high = tonumber(args[2]), tonumber(args[3])
  math.randomseed(tonumber(args[5]))
end

function request()
  return wrk.format("GET", prefix .. math.random(low, high) .. suffix)
end
"""
)


# -- small helpers ------------------------------------------------------------------------


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def code_fingerprint() -> str:
    """The commit and a hash of the served code as it is on disk (it may be uncommitted)."""
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
    for folder in ("projects", "accounts", "backends", "releasemon"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".html") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return f"commit {head or 'unknown'}, sources {digest.hexdigest()[:12]}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except (OSError, ValueError):
        return []


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


class CpuSampler(threading.Thread):
    """The CPU time (utime + stime) a changing set of processes spends during a window.

    ``find`` names the processes; they are looked up again at every sample (``interval``), so
    processes that start during the window count from zero. A process that exits between two
    samples loses at most ``interval`` of CPU time here.
    """

    def __init__(self, find: Callable[[], list[int]], interval: float = 0.25) -> None:
        super().__init__(name="cpu-sampler", daemon=True)
        self.find = find
        self.interval = interval
        self.stopped = threading.Event()
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self._sample(initial=True)

    def _sample(self, initial: bool = False) -> None:
        for pid in self.find():
            ticks = _cpu_ticks(pid)
            if ticks is None:
                continue
            if pid not in self.first:
                self.first[pid] = ticks if initial else 0
            self.last[pid] = ticks

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self._sample()

    def stop(self) -> float:
        """Stop sampling; the CPU seconds spent since construction."""
        self.stopped.set()
        self.join()
        self._sample()
        ticks = sum(self.last[pid] - self.first[pid] for pid in self.last)
        return ticks / CLOCK_TICKS


# -- the dataset --------------------------------------------------------------------------


def dataset_parameters(args: argparse.Namespace) -> dict:
    """What the loaded data depend on: the options, and the generator's source."""
    generator = hashlib.sha256(Path(dataset.__file__).read_bytes()).hexdigest()[:12]
    return {
        "projects": args.projects,
        "seed": args.seed,
        "versions_per_project": args.versions_per_project,
        "mix": "realistic",
        "generator": generator,
    }


def _marker(cursor: object) -> dict | None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} ("
        "id integer PRIMARY KEY, parameters jsonb NOT NULL, loaded_at timestamptz NOT NULL)"
    )
    cursor.execute(f"SELECT parameters FROM {MARKER_TABLE} WHERE id = 1")
    row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def ensure_dataset(args: argparse.Namespace) -> str:
    """Load the dataset unless the database holds it already; a line saying which."""
    from django.db import connection

    from projects.models import Project

    wanted = dataset_parameters(args)
    with connection.cursor() as cursor:
        stored = _marker(cursor)
    count = Project.objects.count()
    if stored == wanted and count == args.projects and not args.reload:
        return f"dataset already loaded ({args.projects} projects, seed {args.seed})"
    if stored is None and count and not args.reload:
        raise SystemExit(
            f"{args.database_url} holds {count} projects that this benchmark did not load; "
            "loading EMPTIES the project, version, mapping, flag, user and token tables. "
            "Pass --reload to do it anyway, or use another --database-url."
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")

    def progress(done: int, total: int) -> None:
        print(f"  loading: {done}/{total} projects", file=sys.stderr, flush=True)

    summary = dataset.generate(
        args.projects,
        seed=args.seed,
        versions_per_project=args.versions_per_project,
        mix_name="realistic",
        reset_first=True,
        progress=None if args.quiet else progress,
    )
    started = time.perf_counter()
    # A long-lived database has been vacuumed and analysed: index-only scans need the
    # visibility map, and the planner its statistics.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (id, parameters, loaded_at) VALUES (1, %s, now())",
            [json.dumps(wanted)],
        )
    vacuum = time.perf_counter() - started
    return f"dataset loaded: {summary}, then VACUUM ANALYZE in {vacuum:.1f} s"


def vacuum_projects() -> None:
    """VACUUM ANALYZE the project table, so that every run starts alike: a ``--churn`` run
    leaves updated rows behind, and pages that are no longer all-visible make index-only
    scans (counts, pages) visit the table. A second or so when there is nothing to do."""
    from django.db import connection

    from projects.models import Project

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(Project._meta.db_table)}")


def dataset_counts() -> dict[str, int]:
    from projects.models import Flag, Package, Project, ProjectVersion

    return {
        "projects": Project.objects.count(),
        "versions": ProjectVersion.objects.count(),
        "mappings": Package.objects.count(),
        "flags": Flag.objects.count(),
    }


def pick_parameters(args: argparse.Namespace) -> dict:
    """The project (id and name) the detail endpoints ask for, and the deep page's number.

    The project is the first one from the middle of the id range with at least 5 versions and
    2 mappings, so its pages show a typical amount of data, and its name is not at either end
    of the name index.
    """
    from django.db.models import Count, Max, Min

    from projects.models import Project

    bounds = Project.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        raise SystemExit("the database holds no projects")
    middle = (bounds["low"] + bounds["high"]) // 2
    candidates = (
        Project.objects.filter(pk__gte=middle, pk__lt=middle + 1000)
        .annotate(
            version_count=Count("versions", distinct=True),
            mapping_count=Count("packages", distinct=True),
        )
        .filter(version_count__gte=5, mapping_count__gte=2)
        .order_by("pk")
    )
    project = candidates.first() or Project.objects.filter(pk__gte=middle).order_by("pk").first()
    last_page = max(1, math.ceil(Project.objects.count() / 25))
    return {
        "first_id": bounds["low"],
        "last_id": bounds["high"],
        "project_id": project.pk,
        "name": project.name,
        "deep_page": min(args.deep_page, last_page),
        "last_page": last_page,
    }


def resolve(endpoint: Endpoint, parameters: dict, random_page: str | int = 2) -> str:
    """The endpoint's path; a random page is page 2 unless ``random_page`` says otherwise."""
    return endpoint.path.format(
        project_id=parameters["project_id"],
        name=quote(parameters["name"], safe=""),
        deep_page=parameters["deep_page"],
        random_page=random_page,
    )


def shown_path(endpoint: Endpoint, parameters: dict) -> str:
    """The path as the table shows it (a random page as ``<1..N>``)."""
    return resolve(endpoint, parameters, random_page=f"<1..{parameters['last_page']}>")


def spread_arguments(endpoint: Endpoint, parameters: dict, seed: int) -> list[str]:
    """The arguments of :data:`WRK_SPREAD_SCRIPT` for an endpoint with ``{random_page}``: the
    path before and after the number, the range, and the seed; none for a fixed path."""
    if "{random_page}" not in endpoint.path:
        return []
    prefix, suffix = resolve(endpoint, parameters, random_page="\0").split("\0")
    return [prefix, "1", str(parameters["last_page"]), suffix, str(seed)]


# -- in-process probe: status, queries, plans ---------------------------------------------


@dataclass
class Probe:
    status: int
    content_type: str
    size: int
    queries: int
    first_queries: int  # the first request's (caches still cold, unless a previous run warmed them)
    sql_ms: float
    wall_ms: float
    captured: list[dict] = field(default_factory=list)
    first_captured: list[dict] = field(default_factory=list)


class QueryLog:
    """Every SQL statement a request runs, with its parameters and time (a Django
    ``execute_wrapper``; finer than ``CaptureQueriesContext``, which rounds to milliseconds)."""

    def __init__(self) -> None:
        self.queries: list[dict] = []

    def __call__(self, execute: Callable, sql: str, params: object, many: bool, context: dict):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = 1000 * (time.perf_counter() - started)
            self.queries.append({"sql": sql, "params": params, "many": many, "ms": elapsed})


def probe(path: str) -> Probe:
    """Request ``path`` twice in this process and log the SQL of both (the first may fill the
    API's caches, the second shows what a repeated request costs)."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    first = QueryLog()
    with connection.execute_wrapper(first):
        client.get(path)
    log = QueryLog()
    with connection.execute_wrapper(log):
        started = time.perf_counter()
        response = client.get(path)
        body = b"".join(response) if response.streaming else response.content
        wall = time.perf_counter() - started
    return Probe(
        status=response.status_code,
        content_type=response.get("Content-Type", ""),
        size=len(body),
        queries=len(log.queries),
        first_queries=len(first.queries),
        sql_ms=sum(query["ms"] for query in log.queries),
        wall_ms=1000 * wall,
        captured=log.queries,
        first_captured=first.queries,
    )


def _print_queries(title: str, queries: list[dict]) -> None:
    print(f"   {title}: {len(queries)} queries, {sum(q['ms'] for q in queries):.1f} ms in SQL")
    for number, query in enumerate(queries, 1):
        sql = query["sql"]
        shown = sql if len(sql) <= 400 else sql[:400] + " ..."
        params = repr(query["params"])
        params = params if len(params) <= 200 else params[:200] + " ..."
        print(f"   [{number}] {query['ms']:7.2f} ms  {shown}  params={params}")


def explain(endpoint: Endpoint, path: str, top: int) -> None:
    """Print an endpoint's queries (of a first request, which may fill the API's caches, and of
    a second) and EXPLAIN (ANALYZE, BUFFERS) of the ``top`` slowest of either."""
    from django.db import connection

    result = probe(path)
    print(f"\n== {endpoint.key}: GET {path}")
    print(f"   status {result.status}, {result.size} bytes, second request {result.wall_ms:.1f} ms")
    if result.first_captured != result.captured:
        _print_queries("first request", result.first_captured)
    _print_queries("second request", result.captured)
    candidates = [
        query
        for query in result.first_captured + result.captured
        if not query["many"] and query["sql"].lstrip().upper().startswith("SELECT")
    ]
    seen = set()
    for query in sorted(candidates, key=lambda query: -query["ms"]):
        if len(seen) >= top:
            break
        if query["sql"] in seen:
            continue
        seen.add(query["sql"])
        print(f"\n   EXPLAIN (ANALYZE, BUFFERS) of the {query['ms']:.2f} ms query:")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"], query["params"])
            for (line,) in cursor.fetchall():
                print("   " + line)


def touch_random_project(parameters: dict, seed: int) -> Callable[[], None]:
    """A function moving a random project's ``updated_on``, as a check does."""
    from django.utils import timezone

    from projects.models import Project

    draw = random.Random(seed)

    def touch() -> None:
        project_id = draw.randint(parameters["first_id"], parameters["last_id"])
        Project.objects.filter(pk=project_id).update(updated_on=timezone.now())

    return touch


def profile(
    endpoint: Endpoint, path: str, requests: int, top: int, touch: Callable[[], None] | None
) -> None:
    """cProfile ``requests`` in-process requests of ``path`` in CPU time (waiting for
    PostgreSQL costs nothing here), and print the costliest functions. ``touch`` (with
    ``--churn``) changes a project before every request, outside the profile."""
    import cProfile
    import io
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)
    profiler = cProfile.Profile(time.process_time)
    started, cpu = time.perf_counter(), time.process_time()
    profiler.enable()
    for _ in range(requests):
        if touch is not None:
            profiler.disable()
            touch()
            profiler.enable()
        response = client.get(path)
        if response.streaming:
            b"".join(response)
    profiler.disable()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\n== {endpoint.key}: GET {path}, {requests} requests in this process")
    print(
        f"   {1000 * elapsed / requests:.2f} ms per request, {1000 * cpu / requests:.2f} ms of "
        "it CPU, under cProfile (which adds overhead); times below are CPU"
    )
    for sort in ("cumulative", "tottime"):
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats(sort).print_stats(top)
        body = text.getvalue()
        print(f"\n   by {sort}:")
        print(body[body.index("   ncalls") :] if "   ncalls" in body else body)


class Churn(threading.Thread):
    """Moves the ``updated_on`` of a random project ``rate`` times a second, as the checks
    of a live instance do (each check records its result), on a connection of its own.

    The API's caches are keyed by ``updated_on`` (and whole answers by the latest one), so
    with churn they behave as they would while checks run; without it, as on a frozen copy.
    """

    def __init__(
        self, url: str, table: str, rate: float, id_range: tuple[int, int], seed: int
    ) -> None:
        super().__init__(name="churn", daemon=True)
        self.url = url
        self.table = table
        self.rate = rate
        self.id_range = id_range
        self.random = random.Random(seed)
        self.stopped = threading.Event()
        self.ready = threading.Event()
        self.backend_pid = 0
        self.updates = 0
        self.seconds = 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as connection:
                self.backend_pid = connection.info.backend_pid
                self.ready.set()
                statement = f'UPDATE "{self.table}" SET updated_on = now() WHERE id = %s'
                started = due = time.monotonic()
                while not self.stopped.is_set():
                    connection.execute(statement, (self.random.randint(*self.id_range),))
                    self.updates += 1
                    due += 1 / self.rate
                    self.stopped.wait(max(0.0, due - time.monotonic()))
                self.seconds = time.monotonic() - started
        except BaseException as error:  # reported by stop()
            self.error = error
            self.ready.set()

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        if self.error is not None:
            raise SystemExit(f"the churn thread failed: {self.error}")

    def achieved(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


# -- gunicorn -----------------------------------------------------------------------------


class Gunicorn:
    """gunicorn serving releasemon on 127.0.0.1, in its own session; stopped by :meth:`stop`.

    ``app``, ``python`` and ``cwd`` serve another WSGI application with the same settings
    (bench/paired serves Anitya from its own virtual environment with them).
    """

    def __init__(
        self,
        args: argparse.Namespace,
        env: dict[str, str],
        *,
        app: str = "releasemon.wsgi",
        python: str = sys.executable,
        cwd: Path = ROOT,
    ) -> None:
        self.port = free_port()
        self.workers = args.workers
        self.threads = args.threads
        self.worker_class = "sync" if args.threads == 1 else "gthread"
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="bench-api-gunicorn-", suffix=".log", delete=False
        )
        self.command = [
            python,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
            # Not the gunicorn.conf.py of the folder (the repository's logs every request).
            "--config",
            str(GUNICORN_CONFIG),
        ]
        self.process = subprocess.Popen(
            self.command,
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop it gracefully
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[int]:
        return [self.process.pid, *_children(self.process.pid)]

    def wait_ready(self, path: str, timeout: float = 90.0) -> None:
        """Wait until every worker is up and the server answers ``path`` (any status)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}:\n{self.tail()}")
            if len(_children(self.process.pid)) >= self.workers:
                with contextlib.suppress(OSError):
                    self.status(path)
                    return
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s:\n{self.tail()}")

    def wait_idle(self, limit: float = 15.0) -> None:
        """Wait until the workers stop using CPU: requests still queued when wrk stopped must
        not be served during the next endpoint's measurement."""
        deadline = time.monotonic() + limit
        previous = None
        while time.monotonic() < deadline:
            ticks = sum(_cpu_ticks(pid) or 0 for pid in self.processes())
            if ticks == previous:
                return
            previous = ticks
            time.sleep(0.5)

    def status(self, path: str) -> int:
        """The status of one GET of ``path`` (redirects are not followed)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = Path(self.log.name).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """SIGTERM (graceful), then SIGKILL to its process group after 20 s."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)


def postgres_backends(database: str, ignored: set[int]) -> Callable[[], list[int]] | None:
    """A function listing the PostgreSQL backends serving ``database`` on this machine,
    except the ``ignored`` ones (the churn's).

    The postmaster is the parent of our own backend (``pg_backend_pid()``); its children
    whose title names the database (``postgres: user dbname 127.0.0.1(port) ...``) are the
    backends. None when the server is not a process here (another host, a container).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    postmaster = _ppid(own)
    if postmaster is None:
        return None
    marker = f" {database} ".encode()

    def find() -> list[int]:
        found = []
        for pid in _children(postmaster):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    title = handle.read().replace(b"\0", b" ")
            except OSError:
                continue
            if marker in title and pid not in ignored:
                found.append(pid)
        return found

    return find


# -- wrk ----------------------------------------------------------------------------------

_DURATION = re.compile(r"^([\d.]+)(us|ms|s|m|h)$")
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


@dataclass
class Measurement:
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    first_status: int = 0  # one request through gunicorn before the warm-up
    http_errors: int = 0  # answers of 400 and above, counted by wrk
    socket_errors: dict[str, int] = field(default_factory=dict)
    app_cpu_s: float | None = None
    db_cpu_s: float | None = None
    wrk_cpu_s: float | None = None

    @property
    def non_2xx(self) -> int:
        return self.http_errors + (0 if 200 <= self.first_status < 300 else 1)

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values())


def parse_wrk(output: str) -> Measurement:
    """Requests/s and the latency distribution from wrk's report, errors from our script."""
    result = Measurement()
    percentiles: dict[str, float] = {}
    in_distribution = False
    for line in output.splitlines():
        stripped = line.strip()
        if stripped.startswith("Latency Distribution"):
            in_distribution = True
            continue
        if in_distribution:
            parts = stripped.split()
            if len(parts) == 2 and parts[0].endswith("%"):
                percentiles[parts[0]] = _ms(parts[1])
                continue
            in_distribution = False
        if stripped.startswith("Requests/sec:"):
            result.rps = float(stripped.split()[1])
        elif stripped.startswith("BENCH-SUMMARY "):
            values = [int(value) for value in stripped.split()[1:]]
            result.requests, micros = values[0], values[1]
            result.seconds = micros / 1e6
            result.socket_errors = dict(
                zip(("connect", "read", "write", "timeout"), values[2:6], strict=True)
            )
            result.http_errors = values[6]
    result.p50_ms = percentiles.get("50%")
    result.p90_ms = percentiles.get("90%")
    result.p99_ms = percentiles.get("99%")
    return result


def run_wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    timeout: float,
    script: str,
    script_arguments: list[str],
) -> tuple[Measurement, str]:
    command = [
        "wrk",
        "--threads",
        str(threads),
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        f"{max(1, round(timeout))}s",
        "--latency",
        "--script",
        script,
        url,
    ]
    if script_arguments:
        command += ["--", *script_arguments]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return parse_wrk(completed.stdout), completed.stdout


#: Added to a spread script's seed (its last argument) for the warm-up: the requests measured
#: are then not the ones the warm-up has just made (and releasemon has just cached).
WARMUP_SEED_OFFSET = 1_000_003


def warmup_arguments(spread: list[str]) -> list[str]:
    """A spread script's arguments for the warm-up: the same but for the seed."""
    return [*spread[:-1], str(int(spread[-1]) + WARMUP_SEED_OFFSET)] if spread else spread


def measure(
    path: str,
    spread: list[str],
    args: argparse.Namespace,
    scripts: dict[str, str],
    server: Gunicorn,
    database_processes: Callable[[], list[int]] | None,
) -> Measurement:
    """Warm up, then measure ``path`` with wrk while sampling gunicorn's and PostgreSQL's CPU.

    wrk counts answers of 400 and above, not redirects: one request first checks that the
    answer through gunicorn is a 2xx (nothing changes the data during the run, so a 3xx
    cannot appear later; a 429 or a 5xx can, and wrk counts those).
    """
    url = server.base_url + path
    script = scripts["spread" if spread else "fixed"]
    first_status = server.status(path)
    if not 200 <= first_status < 300:
        return Measurement(first_status=first_status)
    if args.warmup > 0:
        warm, _ = run_wrk(
            url,
            seconds=args.warmup,
            connections=args.connections,
            threads=args.wrk_threads,
            timeout=args.timeout,
            script=script,
            script_arguments=warmup_arguments(spread),
        )
        warm.first_status = first_status
        if warm.non_2xx or warm.errors:
            return warm  # the caller reports it: measuring errors is worthless
    app = CpuSampler(server.processes)
    app.start()
    db = None
    if database_processes is not None:
        db = CpuSampler(database_processes)
        db.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result, _ = run_wrk(
        url,
        seconds=args.duration,
        connections=args.connections,
        threads=args.wrk_threads,
        timeout=args.timeout,
        script=script,
        script_arguments=spread,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.first_status = first_status
    result.app_cpu_s = app.stop()
    result.db_cpu_s = db.stop() if db is not None else None
    result.wrk_cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return result


# -- the report ---------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _per_request(seconds: float | None, requests: int) -> str:
    if seconds is None or not requests:
        return "-"
    return f"{1000 * seconds / requests:.2f}"


def ceiling(result: Measurement) -> float | None:
    """The requests/s this machine's cores could serve at the measured CPU cost per request
    (gunicorn + PostgreSQL; wrk's own CPU and the kernel's network work left out): what the
    throughput would be if nothing else ran, an upper bound."""
    if not result.requests or result.app_cpu_s is None:
        return None
    per_request = (result.app_cpu_s + (result.db_cpu_s or 0.0)) / result.requests
    return (os.cpu_count() or 1) / per_request if per_request else None


def _queries(result: Probe) -> str:
    if result.first_queries == result.queries:
        return str(result.queries)
    return f"{result.first_queries}/{result.queries}"


def print_table(rows: list[dict]) -> None:
    header = ["endpoint", "req/s", "p50 ms", "p99 ms", "non-2xx", "queries", "app ms/req"]
    header += ["db ms/req", "CPU-bound req/s"]
    table = [header]
    for row in rows:
        result: Measurement = row["measurement"]
        table.append(
            [
                row["path"],
                _num(result.rps),
                _num(result.p50_ms, 2),
                _num(result.p99_ms, 2),
                str(result.non_2xx + result.errors),
                _queries(row["probe"]),
                _per_request(result.app_cpu_s, result.requests),
                _per_request(result.db_cpu_s, result.requests),
                _num(ceiling(result), 0),
            ]
        )
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    for number, line in enumerate(table):
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        print("| " + " | ".join(cells) + " |")
        if number == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


def verdicts(rows: list[dict]) -> list[str]:
    """One line per endpoint: its throughput target (list endpoints) and its p99 target."""
    lines = []
    width = max(len(row["endpoint"].key) for row in rows)
    for row in rows:
        endpoint: Endpoint = row["endpoint"]
        result: Measurement = row["measurement"]
        parts = []
        target = endpoint.target_rps()
        if target is not None:
            basis = "measured" if endpoint.anitya_rps else "assumed"
            met = "met" if result.rps >= target else "MISSED"
            parts.append(
                f"req/s >= {target:.0f} (10x Anitya's {basis} "
                f"{endpoint.anitya_rps or ANITYA_V2_LIST_RPS:.0f}): {result.rps:.0f} {met}"
            )
        if result.p99_ms is not None:
            met = "met" if result.p99_ms < TARGET_P99_MS else "MISSED"
            parts.append(f"p99 < {TARGET_P99_MS:.0f} ms: {result.p99_ms:.1f} ms {met}")
        lines.append(f"  {endpoint.key:<{width}}  " + "; ".join(parts))
    return lines


# -- the run ------------------------------------------------------------------------------


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """The environment of this process's Django and of gunicorn: production-like settings."""
    env = dict(os.environ)
    env.pop("RELEASEMON_CONFIG", None)  # a local config file must not change the numbers
    env.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "releasemon.settings",
            "DEBUG": "false",
            "RELEASEMON_DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "API_THROTTLE_ANON": args.throttle,
            "API_THROTTLE_USER": args.throttle,
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def selected_endpoints(args: argparse.Namespace) -> list[Endpoint]:
    endpoints = list(ENDPOINTS)
    for extra in args.path:
        key, _, path = extra.partition("=")
        if not key or not path.startswith("/"):
            raise SystemExit(f"--path {extra!r}: expected NAME=/path")
        endpoints.append(Endpoint(key, path, "detail"))
    wanted = args.only or args.explain or args.profile
    if not wanted:
        return endpoints
    keys = [key.strip() for key in wanted.split(",") if key.strip()]
    known = {endpoint.key: endpoint for endpoint in endpoints}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise SystemExit(f"unknown endpoint(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[key] for key in keys]


@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGINT, even when started in the background) raise KeyboardInterrupt, so
    that the ``finally`` clauses stop gunicorn."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace) -> int:
    if not (args.explain or args.profile or args.check) and shutil.which("wrk") is None:
        raise SystemExit(
            "wrk (the load tool) is not installed: `apt-get install -y wrk` on Debian/Ubuntu "
            "(or build it from https://github.com/wg/wrk)"
        )
    if urlsplit(args.database_url).scheme.split("+", 1)[0] not in ("postgres", "postgresql"):
        raise SystemExit("--database-url must name a PostgreSQL database")
    endpoints = selected_endpoints(args)
    load_before = load_average()
    env = server_environment(args)
    # Nothing collected static files into STATIC_ROOT here; WhiteNoise serves them from the
    # apps (WHITENOISE_USE_FINDERS) and would warn once per process.
    warnings.filterwarnings("ignore", message="No directory at")
    os.environ.update(env)
    os.environ.pop("RELEASEMON_CONFIG", None)
    ensure_database(args.database_url)
    setup_django(args.database_url, migrate=True)
    loaded = ensure_dataset(args)
    vacuum_projects()
    counts = dataset_counts()
    parameters = pick_parameters(args)
    paths = {endpoint.key: resolve(endpoint, parameters) for endpoint in endpoints}

    if args.explain or args.profile:
        print(f"{loaded}; {counts['projects']} projects, project {parameters['project_id']}")
        for endpoint in endpoints:
            if args.explain:
                explain(endpoint, paths[endpoint.key], args.explain_top)
            else:
                touch = touch_random_project(parameters, args.seed) if args.churn else None
                profile(endpoint, paths[endpoint.key], args.profile_requests, 30, touch)
        return 0

    probes: dict[str, Probe] = {}
    for endpoint in endpoints:
        probes[endpoint.key] = result = probe(paths[endpoint.key])
        if args.check:
            print(
                f"{endpoint.key:<20} {result.status}  {_queries(result):>5} queries  "
                f"{result.wall_ms:8.1f} ms  {result.size:9d} bytes  GET {paths[endpoint.key]}"
            )
        elif not 200 <= result.status < 300:
            raise SystemExit(
                f"{endpoint.key}: GET {paths[endpoint.key]} answered {result.status}: "
                "a benchmark of errors is worthless (use --only to measure the others)"
            )
    if args.check:
        return 0 if all(200 <= p.status < 300 for p in probes.values()) else 1

    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers')")
        pg_version, shared_buffers = cursor.fetchone()
    from projects.models import Project

    project_table = Project._meta.db_table
    id_range = (parameters["first_id"], parameters["last_id"])
    ignored_backends: set[int] = set()
    database_name = connection.settings_dict["NAME"]
    database_processes = postgres_backends(database_name, ignored_backends)
    connections.close_all()

    rows: list[dict] = []
    failures: list[str] = []
    churn = None
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        scripts = {"fixed": f"{folder}/fixed.lua", "spread": f"{folder}/spread.lua"}
        Path(scripts["fixed"]).write_text(WRK_SCRIPT)
        Path(scripts["spread"]).write_text(WRK_SPREAD_SCRIPT)
        server = Gunicorn(args, env)
        try:
            server.wait_ready(paths[endpoints[0].key])
            if args.churn > 0:
                churn = Churn(args.database_url, project_table, args.churn, id_range, args.seed)
                churn.start()
                churn.ready.wait(30)
                ignored_backends.add(churn.backend_pid)
            for endpoint in endpoints:
                path = paths[endpoint.key]
                spread = spread_arguments(endpoint, parameters, args.seed)
                shown = shown_path(endpoint, parameters)
                if not args.quiet:
                    print(f"  measuring {endpoint.key}: GET {shown}", file=sys.stderr, flush=True)
                server.wait_idle()
                result = measure(path, spread, args, scripts, server, database_processes)
                if result.non_2xx or result.errors:
                    failures.append(
                        f"{endpoint.key} (GET {shown}): first answer {result.first_status}, "
                        f"{result.http_errors} answers >= 400, socket errors "
                        f"{result.socket_errors}"
                    )
                rows.append(
                    {
                        "endpoint": endpoint,
                        "path": shown,
                        "probe": probes[endpoint.key],
                        "measurement": result,
                    }
                )
        finally:
            if churn is not None:
                churn.stop()
            server.stop()
    load_after = load_average()

    print()
    print(
        f"API benchmark: {counts['projects']} projects, {counts['versions']} versions, "
        f"{counts['mappings']} mappings, {counts['flags']} flags (seed {args.seed}); {loaded}"
    )
    print(f"code: {code_fingerprint()}")
    print(
        f"gunicorn {importlib.metadata.version('gunicorn')}: {server.workers} workers "
        f"({server.worker_class}, {server.threads} thread(s) each), 127.0.0.1, DEBUG off, "
        f"throttles {args.throttle}; Python {platform.python_version()}, "
        f"{pg_version.split(',')[0]}, shared_buffers {shared_buffers}, {os.cpu_count()} cores"
    )
    print(
        f"wrk: {args.connections} connections, {args.wrk_threads} thread(s), "
        f"{args.duration:.0f} s per endpoint after a {args.warmup:.0f} s warm-up, "
        f"timeout {args.timeout:.0f} s; project {parameters['project_id']} "
        f"({parameters['name']}), deep page {parameters['deep_page']}"
    )
    if churn is not None:
        print(
            f"churn: {churn.achieved():.1f} updates/s of a random project's updated_on "
            f"(asked {args.churn:g}/s; {churn.updates} in all), as running checks do"
        )
    else:
        print("churn: none (the data do not change during the run)")
    print(f"load average before: {' / '.join(map(str, load_before))} (1/5/15 min)")
    print(f"load average after:  {' / '.join(map(str, load_after))}")
    print()
    print_table(rows)
    print()
    print(
        f"targets at {counts['projects']} projects (Anitya 2.3, 10,000 projects: the v2 projects "
        f"list ~{ANITYA_V2_LIST_RPS:.0f} req/s with p50 > 300 ms, /api/projects/?pattern=py* "
        f"< {ANITYA_PATTERN_RPS:.0f} req/s):"
    )
    for line in verdicts(rows):
        print(line)
    if failures:
        print()
        for failure in failures:
            print(f"FAILED: {failure}")
    if args.json:
        report = {
            "counts": counts,
            "dataset": dataset_parameters(args),
            "parameters": parameters,
            "code": code_fingerprint(),
            "load_average": {"before": load_before, "after": load_after},
            "churn": None
            if churn is None
            else {"asked": args.churn, "achieved": churn.achieved(), "updates": churn.updates},
            "gunicorn": {
                "workers": server.workers,
                "worker_class": server.worker_class,
                "threads": server.threads,
            },
            "wrk": {
                "connections": args.connections,
                "threads": args.wrk_threads,
                "duration": args.duration,
                "warmup": args.warmup,
            },
            "rows": [
                {
                    "key": row["endpoint"].key,
                    "path": row["path"],
                    "probe": {
                        k: v
                        for k, v in asdict(row["probe"]).items()
                        if k not in ("captured", "first_captured")
                    },
                    "measurement": asdict(row["measurement"]),
                }
                for row in rows
            ],
            "failures": failures,
        }
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 1 if failures else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.api.run",
        description=__doc__.splitlines()[0],
        epilog="endpoints: " + ", ".join(f"{e.key} ({e.path})" for e in ENDPOINTS),
    )
    parser.add_argument("--projects", type=int, default=100_000, help="default 100000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-project", type=int, default=5, help="mean; 1..2v-1")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help=f"PostgreSQL (default {DEFAULT_DATABASE}; created if missing). Loading the "
        "dataset EMPTIES its project, version, mapping, flag, user and token tables.",
    )
    parser.add_argument(
        "--reload", action="store_true", help="load the dataset even if it is already there"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers (default 2 x cores + 1)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker: 1 = sync workers (default), more = gthread",
    )
    parser.add_argument("--duration", type=float, default=20, help="seconds per endpoint (20)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per endpoint (3)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--timeout", type=float, default=10, help="wrk's socket timeout, s (10)")
    parser.add_argument(
        "--deep-page",
        type=int,
        default=3000,
        help="page of the deep-page endpoint (3000, or the last page if fewer)",
    )
    parser.add_argument(
        "--throttle", default="1000000/hour", help="API_THROTTLE_ANON and API_THROTTLE_USER"
    )
    parser.add_argument(
        "--churn",
        type=float,
        default=0,
        help="updates per second of a random project's updated_on during the measurements, "
        "as running checks do (100,000 projects checked hourly: 28); default 0 (frozen data)",
    )
    parser.add_argument("--only", help="comma-separated endpoint names to measure")
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="NAME=/path",
        help="measure another path too (repeatable; no target)",
    )
    parser.add_argument(
        "--explain",
        metavar="NAMES",
        help="instead of measuring: print these endpoints' SQL queries and the query plans "
        "(EXPLAIN ANALYZE) of the slowest",
    )
    parser.add_argument("--explain-top", type=int, default=1, help="plans per endpoint")
    parser.add_argument(
        "--profile",
        metavar="NAMES",
        help="instead of measuring: cProfile these endpoints in this process (no gunicorn)",
    )
    parser.add_argument("--profile-requests", type=int, default=200, help="requests to profile")
    parser.add_argument(
        "--check",
        action="store_true",
        help="instead of measuring: request each endpoint once in this process and print its "
        "status, query count, time and size (exit 1 if one is not 2xx)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.projects < 1:
        parser.error("--projects must be at least 1")
    if args.workers < 1 or args.threads < 1 or args.wrk_threads < 1:
        parser.error("--workers, --threads and --wrk-threads must be at least 1")
    if args.connections < args.wrk_threads:
        parser.error("--connections must be at least --wrk-threads")
    if args.explain and args.profile:
        parser.error("--explain and --profile cannot be combined")
    if args.duration < 1:
        parser.error("--duration must be at least 1 second")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        with terminated_as_interrupt():
            status = run(args)
    except KeyboardInterrupt:
        print("\ninterrupted (gunicorn, if started, was stopped)", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(status)


if __name__ == "__main__":
    main()
