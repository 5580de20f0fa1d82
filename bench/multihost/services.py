"""What runs on each host: PostgreSQL and Redis, the upstream simulator, q2 clusters.

- **database host**: its own PostgreSQL (``initdb`` in the lab's temporary folder, run as the
  ``postgres`` user, listening only on the host's address, trust authentication for the lab's
  subnet) and its own Redis (the q2 broker and the shared cache), run as ``nobody`` without
  persistence. The machine's own PostgreSQL on 127.0.0.1 is never touched.
- **upstream host**: ``bench.multihost.upstream`` (the checks simulator, counting).
- **worker hosts**: ``manage.py qcluster`` with the environment a production worker machine
  would have (:func:`worker_environment`), and nothing else.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.dataset import ROOT
from bench.multihost.netlab import Host, Lab

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 5432
REDIS_PORT = 6379
SIMULATOR_PORT = 8765
DATABASE_NAME = "releasemon"

# Without a proxy and a direct opener: the lab's addresses must never go through one.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait(what: str, ready, timeout: float, lab: Lab, log: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start within {timeout:.0f} s:\n{lab.log_tail(log)}")


# -- the database host ----------------------------------------------------------------------


def start_postgres(lab: Lab, host: Host, *, keepalives: bool) -> str:
    """initdb and start PostgreSQL on ``host``; return the service's DATABASE_URL.

    ``keepalives`` makes the server probe idle client connections (10 s idle, then 3 probes
    5 s apart): a worker machine that vanishes without closing its connections (a crash, a
    cut cable) then loses them, and any row locks they held, within ~25 s instead of the
    kernel's default two hours.
    """
    if not (PG_BIN / "postgres").exists():
        raise SystemExit(f"PostgreSQL 15 binaries not found in {PG_BIN}")
    data = lab.tmp / "pgdata"
    sockets = lab.tmp / "pgsock"
    for folder in (data, sockets):
        folder.mkdir()
        subprocess.run(["chown", "postgres:postgres", str(folder)], check=True)
    data.chmod(0o700)
    subprocess.run(
        [
            "setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--",
            str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write(f"host all all {lab.subnet}.0/24 trust\n")
    settings = {
        "listen_addresses": host.address,
        "port": str(PG_PORT),
        "unix_socket_directories": str(sockets),
        "max_connections": "200",
        "logging_collector": "off",
    }
    if keepalives:
        settings.update(
            tcp_keepalives_idle="10", tcp_keepalives_interval="5", tcp_keepalives_count="3"
        )
    command = [str(PG_BIN / "postgres"), "-D", str(data)]
    for key, value in settings.items():
        command += ["-c", f"{key}={value}"]
    lab.start(host, command, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, log="postgres.log",
              user="postgres")  # fmt: skip

    def ready() -> bool:
        probe = [str(PG_BIN / "pg_isready"), "-q", "-U", "postgres", "-h", host.address]
        return subprocess.run(probe, check=False).returncode == 0

    _wait("PostgreSQL", ready, 60, lab, "postgres.log")
    return f"postgresql://postgres@{host.address}:{PG_PORT}/{DATABASE_NAME}"


def start_redis(lab: Lab, host: Host) -> str:
    """Start Redis on ``host`` (no persistence: the broker's state lives for one run)."""
    folder = lab.tmp / "redis"
    folder.mkdir()
    folder.chmod(0o777)
    command = [
        "redis-server", "--bind", host.address, "--port", str(REDIS_PORT),
        "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", str(folder),
    ]  # fmt: skip
    lab.start(host, command, env={"PATH": "/usr/bin:/bin"}, log="redis.log", user="nobody:nogroup")
    url = f"redis://{host.address}:{REDIS_PORT}/0"

    def ready() -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    _wait("Redis", ready, 30, lab, "redis.log")
    return url


def flush_redis(url: str) -> None:
    """Forget every queued task and cached counter (between two configurations)."""
    import redis

    redis.Redis.from_url(url).flushall()


# -- the upstream host ----------------------------------------------------------------------


class Upstream:
    """The counting simulator on the upstream host, and its control endpoints."""

    def __init__(self, lab: Lab, host: Host, args: argparse.Namespace, log: str) -> None:
        command = [
            sys.executable, "-m", "bench.multihost.upstream", "--host", host.address,
            "--port", str(SIMULATOR_PORT), "--latency", str(args.latency),
            "--seed", str(args.seed), "--versions-per-project", str(args.versions_per_project),
            "--initial-new", str(args.initial_new), "--publish", str(args.publish),
            "--max-seconds", str(4 * 3600),
        ]  # fmt: skip
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
        self.process = lab.start(host, command, env=env, log=log, cwd=ROOT, stdout=subprocess.PIPE)
        line = self.process.stdout.readline().decode().strip() if self.process.stdout else ""
        if not line.startswith("listening on "):
            raise SystemExit(f"the simulator did not start: {line!r}\n{lab.log_tail(log)}")
        self.url = line.removeprefix("listening on ")
        self.lab = lab
        self.host = host

    def call(self, method: str, path: str) -> dict:
        request = urllib.request.Request(f"{self.url}/_control/{path}", method=method)
        with _OPENER.open(request, timeout=60) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        self.lab.stop_host(self.host, timeout=5)


# -- the worker hosts -----------------------------------------------------------------------


def new_secret_key() -> str:
    """One SECRET_KEY for every process of a run: q2 signs the tasks it queues with it, so
    the controller's check_due tasks are refused by a cluster with another key."""
    return "bench-" + secrets.token_urlsafe(32)


def worker_environment(
    *,
    database_url: str,
    redis_url: str,
    secret_key: str,
    upstream_address: str,
    q2_workers: int,
    check_tasks: int,
    check_timeout: int,
    cron_pool: int,
    batch_size: int,
    home: Path,
) -> dict[str, str]:
    """The whole environment of a worker machine's ``manage.py qcluster`` (nothing inherited,
    so no proxy variable or developer setting leaks in); every key is read by
    ``releasemon/config.py``."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "releasemon.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "Q2_BROKER": "redis",
        "REDIS_URL": redis_url,
        # The guarded HTTP client refuses private addresses unless they are listed.
        "FETCH_ALLOWED_NETWORKS": json.dumps([f"{upstream_address}/32"]),
        "LOG_LEVEL": "WARNING",
        "Q2_WORKERS": str(q2_workers),
        "CHECK_TASKS": str(check_tasks),
        "CHECK_TIMEOUT": str(check_timeout),
        "CRON_POOL": str(cron_pool),
        "CHECK_BATCH_SIZE": str(batch_size),
        "SITE_URL": "https://releasemon.bench.invalid",
        "ALLOWED_HOSTS": "releasemon.bench.invalid",
    }


def start_cluster(lab: Lab, host: Host, env: dict[str, str], log: str) -> None:
    """``manage.py qcluster`` on a worker host."""
    lab.start(host, [sys.executable, "manage.py", "qcluster"], env=env, log=log, cwd=ROOT)


def wait_for_clusters(
    lab: Lab, hosts: list[Host], q2_workers: int, logs: list[str], timeout: float = 90
) -> None:
    """Until every host runs a whole q2 cluster (its command, the sentinel, the monitor, the
    pusher and ``q2_workers`` workers) and every cluster reports itself idle in Redis."""
    from django_q.conf import Conf
    from django_q.status import Stat

    def ready() -> bool:
        if any(len(host.pids()) < 3 + q2_workers for host in hosts):
            return False
        return sum(1 for stat in Stat.get_all() if stat.status == Conf.IDLE) >= len(hosts)

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.3)
    counts = ", ".join(f"{host.name}: {len(host.pids())} processes" for host in hosts)
    tails = "\n".join(f"--- {log}\n{lab.log_tail(log)}" for log in logs)
    raise SystemExit(f"the q2 clusters did not start within {timeout:.0f} s ({counts}):\n{tails}")
