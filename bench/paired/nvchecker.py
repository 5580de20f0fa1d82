"""nvchecker on the same simulator pages, for scale: the leanest checker people use instead.

A pinned nvchecker (``nvchecker-requirements.txt``) in ``var/bench/nvchecker-venv``, created on
first use like Anitya's. One run checks the same projects as the paired cycles, each with
nvchecker's ``regex`` source, nvchecker's defaults otherwise (its asyncio HTTP client, which
keeps connections alive, and its default concurrency), one JSON file as its only output:

- ``custom`` page projects: the same page (``/p/<i>/``), ``proj<i>-([\\d.]+)\\.tar\\.gz``;
- ``custom`` glob projects: nvchecker cannot expand a directory glob, so it reads the page the
  glob leads to (``/g/<i>/1.x/``) directly: one request where Anitya and releasemon make two;
- Gitea projects: nvchecker's ``gitea`` source only speaks HTTPS, so the same tag list
  (``/api/v1/repos/o<i>/proj<i>/tags``) is read with a regex over its JSON.

Its CPU is the process's (``RUSAGE_CHILDREN`` of the run), less that of a run with no
entries (its start-up), measured once; its wall time likewise.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import time
from pathlib import Path

from bench.dataset import check_kind, check_project_name
from bench.paired.anitya_env import VAR, install_pinned

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "nvchecker-requirements.txt"
VENV = VAR / "nvchecker-venv"
COMMAND = VENV / "bin" / "nvchecker"
STAMP = VENV / ".bench-requirements"
_startup: dict[str, float] = {}


def ensure_venv() -> str:
    wanted = REQUIREMENTS.read_text()
    if not (COMMAND.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted):
        install_pinned(VENV, REQUIREMENTS, STAMP, wanted)
    return subprocess.run(
        [str(COMMAND), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _toml_string(value: str) -> str:
    return "'" + value + "'"  # literal strings: no escapes (the regexes hold backslashes)


def write_config(base: str, args: argparse.Namespace, entries: bool = True) -> Path:
    folder = VAR / "nvchecker"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "[__config__]",
        f"newver = {_toml_string(str(folder / 'new.json'))}",
        f"oldver = {_toml_string(str(folder / 'old.json'))}",
        "",
    ]
    for index in range(1, (args.check_projects if entries else 0) + 1):
        name = check_project_name(index)
        kind = check_kind(index, args.seed)
        if kind == "page":
            url, regex = f"{base}/p/{index}/", rf"{name}-([\d.]+)\.tar\.gz"
        elif kind == "glob":
            url, regex = f"{base}/g/{index}/1.x/", rf"{name}-([\d.]+)\.tar\.gz"
        else:
            url, regex = f"{base}/api/v1/repos/o{index}/{name}/tags", r'"name": "([\d.]+)"'
        lines += [
            f"[{name}]",
            'source = "regex"',
            f"url = {_toml_string(url)}",
            f"regex = {_toml_string(regex)}",
            "",
        ]
    path = folder / ("config.toml" if entries else "empty.toml")
    path.write_text("\n".join(lines))
    (folder / "new.json").unlink(missing_ok=True)
    return path


def _run(config: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(COMMAND), "-c", str(config), "--logger", "json", "-l", "error"],
        cwd=VAR,
        capture_output=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "NO_PROXY": "127.0.0.1,localhost"},
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def run_cycle(base: str, args: argparse.Namespace) -> dict:
    """One nvchecker run over the projects; its wall and CPU time less its start-up."""
    if not _startup:
        wall, cpu = min(_run(write_config(base, args, entries=False)) for _ in range(3))
        _startup.update(wall=wall, cpu=cpu)
    config = write_config(base, args)
    wall, cpu = _run(config)
    found = json.loads((config.parent / "new.json").read_text()).get("data", {})
    return {
        "projects": args.check_projects,
        "found": len(found),
        "wall": max(1e-6, wall - _startup["wall"]),
        "cpu": max(0.0, cpu - _startup["cpu"]),
        "startup_wall": _startup["wall"],
        "startup_cpu": _startup["cpu"],
    }
