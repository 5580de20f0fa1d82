"""A fast local upstream for the checks benchmark: download pages and a Gitea-style JSON API.

    .venv/bin/python -m bench.checks.simulator --port 8765 --latency 0.05 [--seed 0] ...

One asyncio process (stdlib only: a minimal HTTP/1.1 server over asyncio streams, keep-alive
supported) on 127.0.0.1. For project ``i`` of the checks mix (``bench.dataset``) it serves

- ``/p/<i>/``: a download page linking ``proj<i>-1.0.tar.gz`` ... (``custom`` backend);
- ``/g/<i>/``: a directory index (``0.9/``, ``1.x/``) and ``/g/<i>/1.x/``: the same download
  page (``custom`` backend with a ``*`` glob: two requests per check);
- ``/api/v1/repos/o<i>/proj<i>/tags``: Gitea's tag list, newest first, ``limit``/``page``.

Each answer waits ``--latency`` seconds first (without blocking the others). Download pages and
tag lists carry an ``ETag`` and a ``Last-Modified`` that change exactly when the version list
changes, and answer ``304`` to a matching ``If-None-Match`` (or, without one, to an
``If-Modified-Since`` not older than the list).

Versions: project ``i`` lists the versions the dataset stored for it
(:func:`bench.dataset.stored_version_count`, at least one), plus the ones published since:
at generation 0 a share ``--initial-new`` of the projects has one more version than stored, and
each later generation ``g`` publishes one more version for a share ``--publish`` of them
(:func:`published_count`, deterministic). The runner moves to the next generation between
cycles with ``POST /_control/generation`` and reads ``GET /_control/stats``: requests served,
status counts, and the simulator's own CPU time and peak RSS; and, once at the end,
``GET /_control/projects``: which projects got a 304 or a 200 since the last
``POST /_control/reset`` and the highest version count served to each project.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.dataset import EPOCH, check_project_name, check_version, stored_version_count, unit

_S_PUBLISH = 1000  # salt of the publication rule (distinct from the dataset's)
_LAST_MODIFIED_BASE = int(EPOCH.timestamp())
_DAY = 86_400
_MAX_REQUEST_LINE = 8192
_MAX_HEADERS = 100


def _vmhwm_kib() -> int | None:
    """This process's peak resident set (VmHWM), in KiB; None where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


# -- the version rule (shared with the runner) --------------------------------------------


def published_count(
    index: int,
    *,
    seed: int,
    generation: int,
    versions_per_project: int,
    initial_new: float,
    publish: float,
) -> int:
    """How many versions project ``index`` lists upstream at ``generation``."""
    count = max(1, stored_version_count(index, seed, versions_per_project))
    if unit(seed, index, _S_PUBLISH, 0) < initial_new:
        count += 1
    for step in range(1, generation + 1):
        if unit(seed, index, _S_PUBLISH, step) < publish:
            count += 1
    return count


# -- HTTP ---------------------------------------------------------------------------------

_REASONS = {
    200: "OK",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
}


class Simulator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.seed = args.seed
        self.versions_per_project = args.versions_per_project
        self.initial_new = args.initial_new
        self.publish = args.publish
        self.latency = args.latency
        self.generation = 0
        self.started = time.monotonic()
        self.reset_stats()
        # Not reset between windows: the most versions served (in a 200) to each project.
        self.max_served: dict[int, int] = {}

    def reset_stats(self) -> None:
        self.requests = 0
        self.connections = 0
        self.statuses: Counter[int] = Counter()
        self.by_route: Counter[str] = Counter()
        self.not_modified: set[int] = set()
        self.modified: set[int] = set()
        self.in_flight = 0
        self.peak_in_flight = 0

    def count(self, index: int) -> int:
        return published_count(
            index,
            seed=self.seed,
            generation=self.generation,
            versions_per_project=self.versions_per_project,
            initial_new=self.initial_new,
            publish=self.publish,
        )

    # -- routes ---------------------------------------------------------------------------

    async def route(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        path = parts.path
        if path.startswith("/_control/"):
            return self.control(method, path, parse_qs(parts.query))
        if method not in ("GET", "HEAD"):
            return 405, {"Allow": "GET, HEAD"}, b""
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            return self.upstream(path, parse_qs(parts.query), headers)
        finally:
            self.in_flight -= 1

    def upstream(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        segments = [segment for segment in path.split("/") if segment]
        try:
            if len(segments) == 2 and segments[0] == "p":
                self.by_route["page"] += 1
                return self.download_page(int(segments[1]), headers)
            if len(segments) == 2 and segments[0] == "g":
                self.by_route["listing"] += 1
                return self.listing(int(segments[1]))
            if len(segments) == 3 and segments[0] == "g" and segments[2] == "1.x":
                self.by_route["page"] += 1
                return self.download_page(int(segments[1]), headers)
            if len(segments) == 3 and segments[0] == "g" and segments[2] == "0.9":
                self.by_route["old-page"] += 1
                name = check_project_name(int(segments[1]))
                return self.html(200, {}, self.page_html(name, ["0.9"]))
            if (
                len(segments) == 6
                and segments[:3] == ["api", "v1", "repos"]
                and segments[5] == "tags"
                and segments[3] == f"o{segments[4][4:]}"
                and segments[4].startswith("proj")
            ):
                self.by_route["gitea-tags"] += 1
                return self.gitea_tags(int(segments[4][4:]), query, headers)
        except ValueError:
            pass
        self.by_route["not-found"] += 1
        return 404, {"Content-Type": "text/plain"}, b"not found\n"

    def validators(self, index: int, count: int, kind: str) -> tuple[str, str, int]:
        stamp = _LAST_MODIFIED_BASE + count * _DAY
        return f'"{kind}{index}-{count}"', formatdate(stamp, usegmt=True), stamp

    def not_modified_for(self, headers: dict[str, str], etag: str, stamp: int) -> bool:
        """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it."""
        candidates = headers.get("if-none-match")
        if candidates is not None:
            tags = [tag.strip() for tag in candidates.split(",")]
            bare = etag.removeprefix("W/")
            return "*" in tags or any(tag.removeprefix("W/") == bare for tag in tags)
        since = headers.get("if-modified-since")
        if since:
            try:
                return stamp <= int(parsedate_to_datetime(since).timestamp())
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
        return False

    def conditional(
        self,
        index: int,
        count: int,
        kind: str,
        headers: dict[str, str],
        content_type: str,
        render,
    ) -> tuple[int, dict[str, str], bytes]:
        etag, last_modified, stamp = self.validators(index, count, kind)
        validators = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": "no-cache"}
        if self.not_modified_for(headers, etag, stamp):
            self.not_modified.add(index)
            return 304, validators, b""
        self.modified.add(index)
        if count > self.max_served.get(index, 0):
            self.max_served[index] = count
        return 200, {**validators, "Content-Type": content_type}, render()

    def download_page(self, index: int, headers: dict[str, str]) -> tuple[int, dict, bytes]:
        if index < 1:
            raise ValueError(index)
        count = self.count(index)
        name = check_project_name(index)
        versions = [check_version(number) for number in range(count)]
        return self.conditional(
            index,
            count,
            "p",
            headers,
            "text/html; charset=utf-8",
            lambda: self.page_html(name, versions),
        )

    @staticmethod
    def page_html(name: str, versions: list[str]) -> bytes:
        rows = "".join(
            f'<tr><td><a href="{name}-{v}.tar.gz">{name}-{v}.tar.gz</a></td>'
            f"<td>{1000 + 37 * i} KiB</td></tr>\n"
            for i, v in enumerate(versions)
        )
        return (
            f"<!DOCTYPE html>\n<html><head><title>{name} downloads</title></head><body>\n"
            f"<h1>Downloads of {name}</h1>\n<table>\n{rows}</table>\n"
            f'<p><a href="../">Parent directory</a></p></body></html>\n'
        ).encode()

    def listing(self, index: int) -> tuple[int, dict, bytes]:
        if index < 1:
            raise ValueError(index)
        body = (
            f"<html><head><title>Index of /g/{index}/</title></head><body><pre>\n"
            '<a href="../">../</a>\n<a href="0.9/">0.9/</a>\n<a href="1.x/">1.x/</a>\n'
            "</pre></body></html>\n"
        ).encode()
        return self.html(200, {}, body)

    def gitea_tags(
        self, index: int, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict, bytes]:
        if index < 1:
            raise ValueError(index)
        count = self.count(index)
        limit = max(1, min(50, int((query.get("limit") or ["50"])[0])))
        page = max(1, int((query.get("page") or ["1"])[0]))
        numbers = list(range(count - 1, -1, -1))[(page - 1) * limit : page * limit]

        def render() -> bytes:
            tags = [
                {
                    "name": check_version(number),
                    "id": f"{index:08x}{number:032x}",
                    "commit": {
                        "sha": f"{index:08x}{number:032x}",
                        "url": f"/o{index}/proj{index}/commit/{index:08x}{number:032x}",
                        "created": (EPOCH.replace(year=2023)).isoformat(),
                    },
                }
                for number in numbers
            ]
            return json.dumps(tags).encode()

        # Every page of a list changes with the list; only page 1 is requested conditionally.
        return self.conditional(
            index, count, f"t{page}-", headers, "application/json; charset=utf-8", render
        )

    @staticmethod
    def html(status: int, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        return status, {**headers, "Content-Type": "text/html; charset=utf-8"}, body

    # -- control --------------------------------------------------------------------------

    def control(
        self, method: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], bytes]:
        name = path.removeprefix("/_control/").strip("/")
        if name == "generation" and method == "POST":
            value = (query.get("value") or [None])[0]
            self.generation = int(value) if value is not None else self.generation + 1
            return self.json({"generation": self.generation})
        if name == "reset" and method == "POST":
            self.reset_stats()
            return self.json({"reset": True})
        if name == "projects" and method == "GET":
            # Per project, so O(N): asked once, after the last measured cycle.
            return self.json(
                {
                    "not_modified_projects": sorted(self.not_modified),
                    "modified_projects": sorted(self.modified),
                    "max_served": {str(k): v for k, v in sorted(self.max_served.items())},
                }
            )
        if name == "stats" and method == "GET":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            return self.json(
                {
                    "generation": self.generation,
                    "requests": self.requests,
                    "connections": self.connections,
                    "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                    "by_route": dict(sorted(self.by_route.items())),
                    "peak_in_flight": self.peak_in_flight,
                    "cpu_user": usage.ru_utime,
                    "cpu_system": usage.ru_stime,
                    # ru_maxrss survives fork+exec on Linux (it starts at the parent's
                    # peak), so the process's own peak is VmHWM.
                    "ru_maxrss_kib": usage.ru_maxrss,
                    "maxrss_kib": _vmhwm_kib() or usage.ru_maxrss,
                    "uptime": time.monotonic() - self.started,
                }
            )
        if name == "ping":
            return self.json({"ok": True})
        return 404, {"Content-Type": "text/plain"}, b"unknown control\n"

    @staticmethod
    def json(data: object) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json"}, json.dumps(data).encode()

    # -- the connection loop --------------------------------------------------------------

    async def serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                if len(request_line) > _MAX_REQUEST_LINE or not request_line.endswith(b"\n"):
                    await self.send(writer, 400, {}, b"", keep_alive=False, head=False)
                    break
                headers: dict[str, str] = {}
                for _ in range(_MAX_HEADERS):
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    key, _, value = line.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                try:
                    method, target, version = request_line.decode("latin-1").split()
                except ValueError:
                    await self.send(writer, 400, {}, b"", keep_alive=False, head=False)
                    break
                length = headers.get("content-length", "0")
                body = await reader.readexactly(int(length)) if length.isdigit() else b""
                status, response_headers, payload = await self.route(method, target, headers, body)
                if not target.startswith("/_control/"):
                    self.statuses[status] += 1
                keep_alive = (
                    version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                )
                await self.send(
                    writer,
                    status,
                    response_headers,
                    payload,
                    keep_alive=keep_alive,
                    head=method == "HEAD",
                )
                if not keep_alive:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def send(
        writer: asyncio.StreamWriter,
        status: int,
        headers: dict[str, str],
        body: bytes,
        *,
        keep_alive: bool,
        head: bool,
    ) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
        lines.append(f"Date: {formatdate(usegmt=True)}")
        lines.append("Server: releasemon-bench-simulator")
        for key, value in headers.items():
            lines.append(f"{key}: {value}")
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: keep-alive" if keep_alive else "Connection: close")
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        writer.write(head_bytes if head or status == 304 else head_bytes + body)
        await writer.drain()


async def serve(args: argparse.Namespace) -> None:
    simulator = Simulator(args)
    server = await asyncio.start_server(
        simulator.serve_connection, args.host, args.port, backlog=4096, reuse_address=True
    )
    port = server.sockets[0].getsockname()[1]
    # The runner reads this line to learn the port.
    print(f"listening on http://{args.host}:{port}", flush=True)
    deadline = args.max_seconds
    async with server:
        if deadline:
            await asyncio.sleep(deadline)  # a bounded run: stop by itself
        else:  # pragma: no cover - manual use
            await server.serve_forever()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.checks.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per answer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--versions-per-project", type=int, default=5)
    parser.add_argument("--initial-new", type=float, default=0.05)
    parser.add_argument("--publish", type=float, default=0.10)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=6 * 3600,
        help="stop by itself after this long (0: never)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the simulator only listens on the loopback interface")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
