"""The shared cache: every process counts against the same limits.

Two gunicorn worker processes serve the API against one database (and, in the second test,
one Redis); a client gets its allowance once, not once per worker. The first tests check the
database cache's atomic counter directly, under threads that count at the same time.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.core.cache import cache

from projects.shared_cache import count_hit

ROOT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
REQUESTS_PER_WORKER = 8


def _redis_running() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_the_database_cache_counts_atomically_under_concurrent_writers():
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database takes one writer; see the gunicorn test")
    key = "test:concurrent:1"
    counts: list[int] = []
    lock = threading.Lock()

    def hit() -> None:
        value = count_hit(cache, key, 60)
        with lock:
            counts.append(value)
        connection.close()

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 21))


@pytest.mark.django_db
def test_a_counter_starts_again_in_a_new_window():
    assert [count_hit(cache, "test:window:1", 60) for _ in range(3)] == [1, 2, 3]
    assert count_hit(cache, "test:window:2", 60) == 1


@pytest.mark.django_db
def test_a_counter_whose_window_ended_starts_again_and_old_ones_are_cleaned_up(monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from projects import shared_cache
    from projects.models import HitCounter

    assert [count_hit(cache, "test:ended", 60) for _ in range(2)] == [1, 2]
    HitCounter.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    assert count_hit(cache, "test:ended", 60) == 1  # the key came back after its window
    HitCounter.objects.create(
        counter_key="test:gone", count=5, expires=timezone.now() - dt.timedelta(hours=1)
    )
    monkeypatch.setattr(shared_cache, "CLEAN_EVERY", 1)
    count_hit(cache, "test:other", 60)
    assert not HitCounter.objects.filter(counter_key__endswith="test:gone").exists()
    cache.clear()
    assert not HitCounter.objects.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_two_workers(tmp_path: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "SECRET_KEY": "test-shared-cache",
        "API_THROTTLE_ANON": "10/hour",
        **extra_env,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    port = _free_port()
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            # A worker leaves after 8 requests and gunicorn starts another, so the 24 counted
            # calls are answered by at least three processes whatever the kernel's accept order
            # and however slowly the second worker boots on a loaded machine.
            "--max-requests",
            str(REQUESTS_PER_WORKER),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--access-logformat",
            "%(p)s %(U)s %(s)s",
            "releasemon.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    # The server must answer before the counted calls start (not an API route: it counts
    # nothing); a loaded machine can take a while to start it.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/favicon.ico", timeout=5)
            break
        except requests.RequestException:
            if server.poll() is not None:
                pytest.fail(f"gunicorn exited with {server.returncode}")
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not answer within 180 s")
    return server, url


def _throttled_statuses(server: subprocess.Popen, url: str) -> tuple[Counter, set[str]]:
    """24 API calls from 4 clients at once; the statuses, and the worker pids that answered."""
    with ThreadPoolExecutor(4) as pool:
        statuses = Counter(
            pool.map(
                lambda _: (
                    requests.get(
                        f"{url}/api/version", headers={"Connection": "close"}, timeout=30
                    ).status_code
                ),
                range(24),
            )
        )
    server.terminate()
    log, _ = server.communicate(timeout=30)
    pids = {
        line.split()[0]
        for line in log.splitlines()
        if line.split()[1:] in (["/api/version", "200"], ["/api/version", "429"])
    }
    return statuses, pids


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_two_worker_processes_share_one_allowance(tmp_path, backend):
    extra = {}
    if backend == "redis":
        if not _redis_running():
            pytest.skip("no Redis on 127.0.0.1:6379")
        extra["REDIS_URL"] = f"redis://{REDIS[0]}:{REDIS[1]}/15"
        import redis

        redis.Redis(host=REDIS[0], port=REDIS[1], db=15).flushdb()
    server, url = _serve_two_workers(tmp_path, extra)
    try:
        statuses, pids = _throttled_statuses(server, url)
    finally:
        server.kill()
    # Each worker counting on its own would let 20 through.
    assert statuses == Counter({200: 10, 429: 14})
    assert len(pids) >= 24 // REQUESTS_PER_WORKER, f"too few processes answered: {pids}"


@pytest.mark.django_db
def test_processes_counting_in_batches_let_a_client_over_the_limit_by_a_fiftieth_each(
    monkeypatch,
):
    """Three worker processes (each with its own held hits) serve one client in turn: the
    client gets the limit, plus at most 2% of it per process, never the limit per process."""
    from collections import OrderedDict

    from projects import shared_cache

    processes = [OrderedDict() for _ in range(3)]
    allowed = 0
    for request in range(3000):
        monkeypatch.setattr(shared_cache, "_tallies", processes[request % 3])
        if shared_cache.count_hit_batched(cache, "test:batched", 3600, 1000) <= 1000:
            allowed += 1
    assert 1000 <= allowed <= 1000 + 3 * 1000 // 50
    # Every request was counted in the shared cache but what each process still holds.
    held = sum(tally.held for process in processes for tally in process.values())
    assert count_hit(cache, "test:batched", 3600, 0) + held == 3000


@pytest.mark.django_db
def test_a_process_counts_the_held_hits_of_the_key_it_forgets(monkeypatch):
    from projects import shared_cache

    monkeypatch.setattr(shared_cache, "MAX_TALLIES", 2)
    for key in ("test:a", "test:a", "test:b", "test:c"):
        shared_cache.count_hit_batched(cache, key, 3600, 1000)
    assert "test:a" not in shared_cache._tallies
    assert count_hit(cache, "test:a", 3600, 0) == 2
