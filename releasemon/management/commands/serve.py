"""Run the whole service on one machine: migrate, then the web server and the q2 cluster.

Ctrl-C (or SIGTERM) stops both; if either stops on its own, the other is stopped too.

The site listens on ``--bind host:port`` (default ``127.0.0.1:8000``; ``--port N`` changes only
the port). Unless they are configured, ``SITE_URL`` (the links in mails, feeds and messages)
follows the address listened on, and ``ALLOWED_HOSTS`` accepts its host: :func:`site_environment`
passes both to the web server and the cluster.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from collections.abc import Mapping
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.services import ensure_administrator
from releasemon import config
from releasemon.schedules import sync_schedules

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Binds that listen on every interface: links then name the machine instead.
WILDCARD_HOSTS = {"", "0.0.0.0", "[::]", "::"}  # noqa: S104 (recognised, not bound)


def bind_address(bind: str | None, port: int | None) -> str:
    """The ``host:port`` to listen on, from ``--bind`` and ``--port`` (one of them at most)."""
    if bind is not None and port is not None:
        raise CommandError("--port only changes the port of 127.0.0.1; with --bind give host:port")
    if port is not None:
        if not 0 < port < 65536:
            raise CommandError(f"--port {port}: a port is a number from 1 to 65535")
        return f"{DEFAULT_HOST}:{port}"
    return bind if bind is not None else f"{DEFAULT_HOST}:{DEFAULT_PORT}"


def _split(bind: str) -> tuple[str, int] | None:
    """``host`` and ``port`` of a TCP bind (``host``, ``host:port``, ``[v6]:port``); None for
    what is not one (``unix:/path``, ``fd://3``)."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, sep, port = bind.rpartition(":")
    if not sep or host.endswith(":") or not port.isdigit():  # "host", or a bare IPv6 address
        return bind, DEFAULT_PORT
    return host, int(port)


def _url_host(host: str) -> str:
    """``host`` as a URL spells it: IPv6 addresses in brackets."""
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def _machine_name() -> str:
    name = socket.gethostname()
    return name if name and name != "localhost" else DEFAULT_HOST


def site_environment(bind: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``SITE_URL`` and ``ALLOWED_HOSTS`` for the processes serving ``bind``, each only when
    it is not configured (environment or ``RELEASEMON_CONFIG`` file).

    ``SITE_URL`` is ``http://<host>:<port>`` of the bind; a bind on every interface
    (``0.0.0.0``, ``[::]``) names the machine (its host name, else 127.0.0.1). ``ALLOWED_HOSTS``
    keeps its defaults and adds the bound host and ``SITE_URL``'s host (every name of the
    machine for a wildcard bind).
    """
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    split = _split(bind)
    if config.is_set("SITE_URL", environ):
        site_url = str(config.load(environ)["SITE_URL"])
    elif split is not None:
        host, port = split
        wildcard = host in WILDCARD_HOSTS
        site_url = f"http://{_machine_name() if wildcard else _url_host(host.strip('[]'))}:{port}"
        values["SITE_URL"] = site_url
    else:
        site_url = str(config.DEFAULTS["SITE_URL"])
    if not config.is_set("ALLOWED_HOSTS", environ):
        hosts = list(config.DEFAULTS["ALLOWED_HOSTS"])
        extra = [urlsplit(site_url).hostname or ""]
        if split is not None:
            host = split[0]
            if host in WILDCARD_HOSTS:
                extra += [socket.gethostname(), socket.getfqdn()]
            else:
                extra.append(host.strip("[]"))
        for name in extra:
            name = _url_host(name) if name else name
            if name and name not in hosts:
                hosts.append(name)
        values["ALLOWED_HOSTS"] = json.dumps(hosts)
    return values


class Command(BaseCommand):
    help = "Migrate and run the web server together with the django-q2 cluster."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind", help=f"host:port to listen on (default {DEFAULT_HOST}:{DEFAULT_PORT})"
        )
        parser.add_argument(
            "--port", type=int, help=f"listen on {DEFAULT_HOST} at this port instead of 8000"
        )
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument(
            "--no-cluster", action="store_true", help="run the web server only (no checks)"
        )

    def handle(
        self,
        *args: object,
        bind: str | None,
        workers: int,
        no_cluster: bool,
        port: int | None = None,
        **options: object,
    ) -> None:
        bind = bind_address(bind, port)
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
        site_url = self.environment(bind).get("SITE_URL", settings.SITE_URL).rstrip("/")
        self.stdout.write(
            f"Serving on {bind}: {site_url}/ (admin: {site_url}/admin/). Ctrl-C stops."
        )
        self._supervise(processes)

    def _start(self, bind: str, workers: int, no_cluster: bool) -> list[subprocess.Popen[bytes]]:
        python = sys.executable
        env = self.environment(bind)
        # gunicorn.conf.py as in production (the logger class, access lines); a trial's own
        # address, workers and a short graceful stop.
        web = [
            python, "-m", "gunicorn", "--config", str(Path(settings.BASE_DIR, "gunicorn.conf.py")),
            "--bind", bind, "--workers", str(workers), "--graceful-timeout", "5",
        ]  # fmt: skip
        processes = [subprocess.Popen(web, cwd=settings.BASE_DIR, env=env)]  # noqa: S603
        if not no_cluster:
            cluster = [python, "manage.py", "qcluster"]
            processes.append(subprocess.Popen(cluster, cwd=settings.BASE_DIR, env=env))  # noqa: S603
        return processes

    def environment(self, bind: str) -> dict[str, str]:
        """The web server's and the cluster's environment: ours, plus :func:`site_environment`."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]}
        env.update(site_environment(bind, env))
        return env

    def _supervise(self, processes: list[subprocess.Popen[bytes]]) -> None:
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
            # _start built every command as a list of str: [python, "-m", "gunicorn", ...] or
            # [python, "manage.py", "qcluster"]; the third word names the process.
            name = cast("list[str]", failed[0].args)[2]
            raise SystemExit(f"releasemon: a process stopped unexpectedly ({name})")
        self.stdout.write("Stopped.")
