"""Run the whole service on one machine: migrate, then the web server and the q2 cluster.

Ctrl-C (or SIGTERM) stops both; if either stops on its own, the other is stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.services import ensure_administrator
from releasemon.schedules import sync_schedules


class Command(BaseCommand):
    help = "Migrate and run the web server together with the django-q2 cluster."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument(
            "--no-cluster", action="store_true", help="run the web server only (no checks)"
        )

    def handle(self, *args: object, bind: str, workers: int, no_cluster: bool, **options: object):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        call_command("collectstatic", interactive=False, verbosity=0)
        created = ensure_administrator()
        if created:
            user, password = created
            self.stdout.write(
                self.style.WARNING(
                    "Created the administrator account (shown once, change it after signing in):"
                    f"\n  email:    {user.email}\n  password: {password}"
                )
            )
        sync_schedules()
        processes = self._start(bind, workers, no_cluster)
        self.stdout.write(f"Serving on http://{bind}/ (admin: http://{bind}/admin/). Ctrl-C stops.")
        self._supervise(processes)

    def _start(self, bind: str, workers: int, no_cluster: bool) -> list[subprocess.Popen]:
        python = sys.executable
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        web = [
            python, "-m", "gunicorn", "releasemon.wsgi",
            "--bind", bind, "--workers", str(workers), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "5",
        ]  # fmt: skip
        processes = [subprocess.Popen(web, cwd=settings.BASE_DIR, env=env)]  # noqa: S603
        if not no_cluster:
            cluster = [python, "manage.py", "qcluster"]
            processes.append(subprocess.Popen(cluster, cwd=settings.BASE_DIR, env=env))  # noqa: S603
        return processes

    def _supervise(self, processes: list[subprocess.Popen]) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(process.poll() is None for process in processes):
            time.sleep(0.2)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
        if not stopping and failed:
            raise SystemExit(f"releasemon: a process stopped unexpectedly ({failed[0].args[2]})")
        self.stdout.write("Stopped.")
