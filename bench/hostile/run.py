"""Hostile upstreams and regexes, with and without the check budgets: time, memory, outcome.

    .venv/bin/python -m bench.hostile.run [--only NAME] [--cap SECONDS]

Each attack runs in a process of its own (so its peak memory is its own), against the
misbehaving servers of bench/hostile/servers.py on 127.0.0.1. "without budgets" sets every
CHECK_* budget so high that it never applies, which is how checks behaved before budgets
existed (only the per-response cap and each backend's page cap); "with budgets" uses the
defaults. A run still going after ``--cap`` seconds is stopped and shown as such. Regex bombs
are compiled as validation did before (``regex.compile``) and validated as it does now.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

UNLIMITED = {
    "CHECK_DEADLINE": "1000000",
    "PREVIEW_DEADLINE": "1000000",
    "CHECK_MAX_BYTES": str(10**12),
    "CHECK_MAX_PAGES": "1000000",
    "CHECK_MAX_VERSIONS": str(10**9),
    "CHECK_MAX_NEW_VERSIONS": str(10**9),
}

ATTACKS = {
    "forge: 20,000 tags on each of 50 pages": "forge",
    "download page with 20,000 links": "links",
    "HTTP body, 1 byte/s": "trickle-body",
    "HTTP headers, 1 byte/s": "trickle-headers",
    "FTP greeting, 1 byte/s": "ftp",
    "HTTP body, 1 byte/s, as a preview": "preview",
    "regex ((a{1000}){1000}){1000}": "regex-nested",
    "regex (?:a{65535}){65535}": "regex-wide",
    "regex (a{1000}){1000}": "regex-small",
}
REGEXES = {
    "regex-nested": "((a{1000}){1000}){1000}",
    "regex-wide": "(?:a{65535}){65535}",
    "regex-small": "(a{1000}){1000}",
}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def attack(kind: str, budgets: bool) -> dict[str, Any]:
    """Run one attack in this process; return seconds, peak memory growth and the outcome."""
    import django

    django.setup()
    from backends import pipeline, regexes
    from backends.base import ProjectSpec
    from bench.hostile.servers import Hostile, TricklingFTP

    def spec(**fields: Any) -> ProjectSpec:
        return ProjectSpec(name="tool", homepage="https://tool.example.org/", **fields)

    servers: list[Any] = []
    if kind in REGEXES:
        import regex

        pattern = REGEXES[kind]
        if budgets:
            run = lambda: regexes.validate_user_regex(pattern)  # noqa: E731
        else:
            run = lambda: regex.compile(pattern, regex.VERSION0)  # noqa: E731
    elif kind == "ftp":
        ftp = TricklingFTP(trickle_seconds=1.0)
        servers.append(ftp)
        run = lambda: pipeline.preview(spec(backend="custom", version_url=ftp.url))  # noqa: E731
    else:
        hostile = Hostile(trickle_seconds=1.0)
        servers.append(hostile)
        targets = {
            "forge": {"backend": "Gitea", "homepage": f"{hostile.url}/owner/tool"},
            "links": {"backend": "custom", "version_url": f"{hostile.url}/downloads/"},
            "trickle-body": {"backend": "custom", "version_url": f"{hostile.url}/trickle-body/"},
            "trickle-headers": {
                "backend": "custom",
                "version_url": f"{hostile.url}/trickle-headers/",
            },
            "preview": {"backend": "custom", "version_url": f"{hostile.url}/trickle-body/"},
        }
        fields = targets[kind]
        homepage = fields.pop("homepage", "https://tool.example.org/")
        project = ProjectSpec(name="tool", homepage=homepage, **fields)
        run = lambda: pipeline.preview(project, interactive=kind == "preview")  # noqa: E731
    before = _rss_mb()
    started = time.monotonic()
    try:
        found = run()
        outcome = f"{len(found.versions):,} versions" if hasattr(found, "versions") else "accepted"
    except MemoryError:
        outcome = "MemoryError (a 500)"
    except Exception as error:  # the verdict is the point
        outcome = f"{type(error).__name__}: {str(error)[:90]}"
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for server in servers:
        server.close()
    return {"seconds": seconds, "peak_mb": max(0.0, peak - before), "outcome": outcome}


def run_one(kind: str, budgets: bool, cap: float) -> dict[str, Any]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "releasemon.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-hostile"),
        "FETCH_ALLOWED_NETWORKS": '["127.0.0.1/32"]',
        "DATABASE_URL": "sqlite:///:memory:",
    }
    if not budgets:
        env.update(UNLIMITED)
    args = [sys.executable, "-m", "bench.hostile.run", "--child", kind]
    if budgets:
        args.append("--budgets")
    started = time.monotonic()
    try:
        done = subprocess.run(
            args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=cap, check=False
        )
    except subprocess.TimeoutExpired:
        return {"seconds": cap, "peak_mb": None, "outcome": f"still running after {cap:g} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:90]
        return {
            "seconds": time.monotonic() - started,
            "peak_mb": None,
            "outcome": f"process died (exit {done.returncode}): {reason}",
        }
    return json.loads(lines[-1])


def _cell(result: dict[str, Any]) -> str:
    peak = result["peak_mb"]
    memory = "?" if peak is None else f"{peak:,.0f} MB"
    return f"{result['seconds']:.1f} s, {memory}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the attacks whose name contains this")
    parser.add_argument("--cap", type=float, default=120.0, help="seconds before a run stops")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--budgets", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(attack(options.child, options.budgets)))
        return
    print("| attack | without budgets | outcome | with budgets | outcome |")
    print("|---|---|---|---|---|")
    for name, kind in ATTACKS.items():
        if options.only and options.only not in name:
            continue
        before = run_one(kind, budgets=False, cap=options.cap)
        after = run_one(kind, budgets=True, cap=options.cap)
        print(
            f"| {name} | {_cell(before)} | {before['outcome']} | {_cell(after)} | "
            f"{after['outcome']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
