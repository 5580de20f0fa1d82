"""Anitya's side of the machine: its virtual environment, its configuration files, its database.

The pinned Anitya (``anitya-requirements.txt``) lives in ``var/bench/anitya-venv`` (var/ is
ignored by git), created on the first run with the system's Python 3.11 and ``pip install
--no-deps -r anitya-requirements.txt``, so every run serves the same code. The configuration
files (``ANITYA_WEB_CONFIG``) are written under ``var/bench/`` on every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.dataset import ROOT

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "anitya-requirements.txt"
SIDE_SCRIPT = HERE / "anitya_side.py"
VAR = ROOT / "var" / "bench"
VENV = VAR / "anitya-venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".bench-requirements-sha256"

CONFIG_TEMPLATE = """\
# Written by bench/paired/run.py on every run; Anitya reads it through ANITYA_WEB_CONFIG.
db_url = "{db_url}"
secret_key = "{secret}"
admin_email = "bench@example.org"
email_errors = false
# Anitya's default: ten checker threads.
cron_pool = 10

[anitya_log_config]
version = 1
disable_existing_loggers = false

[anitya_log_config.formatters.simple]
format = "[%(name)s %(levelname)s] %(message)s"

[anitya_log_config.handlers.console]
class = "logging.StreamHandler"
formatter = "simple"
stream = "ext://sys.stderr"

[anitya_log_config.loggers.anitya]
level = "WARNING"
propagate = false
handlers = ["console"]

[anitya_log_config.root]
level = "WARNING"
handlers = ["console"]
"""


def _requirements_hash() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def anitya_python() -> str:
    """Find the system's Python 3.11 (Anitya 2.3 needs >= 3.11)."""
    for candidate in ("/usr/bin/python3.11", shutil.which("python3.11"), sys.executable):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("no python3.11 found to create Anitya's virtual environment")


def install_pinned(venv: Path, requirements: Path, stamp: Path, wanted: str) -> None:
    """Create ``venv`` (the system's Python 3.11) if missing, install the pinned
    ``requirements`` into it without resolving anything else, and write ``wanted`` to
    ``stamp`` so the next run knows they are in."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([anitya_python(), "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "-r",
            str(requirements),
        ],
        check=True,
    )
    stamp.write_text(wanted + "\n")


def ensure_venv(quiet: bool = False) -> str:
    """Create or update var/bench/anitya-venv from the pinned requirements; Anitya's version."""
    wanted = _requirements_hash()
    if not (PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted):
        if not quiet:
            print(f"  installing the pinned Anitya into {VENV}", file=sys.stderr, flush=True)
        install_pinned(VENV, REQUIREMENTS, STAMP, wanted)
    version = subprocess.run(
        [str(PYTHON), "-c", "import importlib.metadata as m; print(m.version('anitya'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return version


def database_url(base: str, name: str, driver: str = "") -> str:
    """``base`` (a PostgreSQL URL) naming database ``name`` instead; ``driver`` is
    SQLAlchemy's (``psycopg2``: SQLAlchemy 2.1 would pick psycopg 3 otherwise)."""
    parts = urlsplit(base)
    scheme = f"postgresql+{driver}" if driver else "postgresql"
    return urlunsplit(parts._replace(scheme=scheme, path=f"/{name}"))


def write_config(name: str, db_url: str) -> Path:
    """var/bench/<name>.toml for Anitya on ``db_url``; a fresh secret key each run."""
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / f"{name}.toml"
    path.write_text(CONFIG_TEMPLATE.format(db_url=db_url, secret=secrets.token_urlsafe(32)))
    return path


def environment(config: Path) -> dict[str, str]:
    """The environment of Anitya's processes: its configuration, no proxy for loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RELEASEMON_", "DATABASE_URL", "PYTHONPATH"))
    }
    env["ANITYA_WEB_CONFIG"] = str(config)
    # requests trusts the proxy variables; the simulator is on 127.0.0.1.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def run_side(command: list[str], config: Path, timeout: float = 3600) -> dict:
    """Run anitya_side.py with ``command`` in Anitya's venv; its last line, parsed."""
    completed = subprocess.run(
        [str(PYTHON), str(SIDE_SCRIPT), *command],
        cwd=VAR,
        env=environment(config),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"anitya_side.py {command[0]} failed ({completed.returncode}):\n"
            f"{completed.stderr[-4000:]}"
        )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"anitya_side.py {command[0]} printed no result:\n{completed.stdout}")
    return json.loads(lines[-1])


def stored_fingerprint(db_url: str) -> str | None:
    """The fingerprint the last ``load`` stored in Anitya's database, if any."""
    import psycopg

    try:
        with psycopg.connect(db_url) as connection:
            row = connection.execute("SELECT fingerprint FROM bench_paired_source").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def load(source_url: str, config: Path, fingerprint: str) -> dict:
    """Create Anitya's schema and copy releasemon's rows from ``source_url``."""
    return run_side(["load", "--source", source_url, "--fingerprint", fingerprint], config)
