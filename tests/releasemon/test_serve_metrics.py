"""``manage.py serve_metrics``: a worker machine's q2 processes' counters, served on their own
port to Prometheus, and readable errors when it cannot."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

REPOSITORY = Path(__file__).resolve().parents[2]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "releasemon.settings",
        "SECRET_KEY": "serve-metrics-test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "PYTHONPATH": str(REPOSITORY),
        **extra,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_workers_counters_are_served_on_their_own_port(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = environment(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(folder))
    worker = textwrap.dedent(
        """
        import django
        django.setup()
        from projects import telemetry
        from projects.models import Project
        project = Project(pk=7, backend="pypi", version_url="https://pypi.org/pypi/x/json")
        for _ in range(2):
            telemetry.observe_check(project, "error", 1.5)
        """
    )
    for _ in range(2):  # two worker processes
        subprocess.run([sys.executable, "-c", worker], env=env, cwd=REPOSITORY, check=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_metrics", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        text = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    text = r.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        assert (
            samples[("releasemon_checks_total", (("backend", "pypi"), ("outcome", "error")))] == 4
        )
        assert samples[("releasemon_check_duration_seconds_count", (("backend", "pypi"),))] == 4
    finally:
        server.terminate()
        server.wait(10)


def test_without_the_folder_it_says_what_to_set(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "serve_metrics"],
        env=environment(tmp_path),
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "PROMETHEUS_MULTIPROC_DIR is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_bind_is_one_line(tmp_path):
    env = environment(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "manage.py", "serve_metrics", "--bind", "nowhere"],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "give host:port" in done.stderr
    assert "Traceback" not in done.stderr
