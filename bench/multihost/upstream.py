"""The upstream host: ``bench.checks.simulator``, counting which host started which check.

    python -m bench.multihost.upstream --host 10.213.1.3 --port 8765 --latency 0.2 ...

The simulator itself is reused as it is (its pages, tag lists, validators, version rule and
control endpoints); this subclass only adds, per project, how many checks each client address
started: a check's first request is the download page (``/p/<i>/``), the directory listing
(``/g/<i>/``) or the first page of the tag list (``/api/v1/repos/o<i>/proj<i>/tags``), so a
project fetched twice in one cycle shows 2 here. ``GET /_control/checks`` returns
``{"<index>": {"<address>": count}}`` since the last ``POST /_control/reset``.

``bench.checks.simulator.main`` refuses any address but loopback (a simulator reachable from
elsewhere would be an open server on the machine); here it listens in a network namespace
whose only link is the benchmark's bridge, so this module starts it on that address itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
from collections import Counter

from bench.checks.simulator import Simulator, parse_args

_PEER: contextvars.ContextVar[str] = contextvars.ContextVar("peer", default="?")


def check_start_index(path: str, query: dict[str, list[str]]) -> int | None:
    """The project index when ``path`` is the first request of a check, else None."""
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) == 2 and segments[0] in ("p", "g") and segments[1].isdigit():
        return int(segments[1])
    if (
        len(segments) == 6
        and segments[:3] == ["api", "v1", "repos"]
        and segments[5] == "tags"
        and segments[4].startswith("proj")
        and segments[4][4:].isdigit()
        and (query.get("page") or ["1"])[0] == "1"
    ):
        return int(segments[4][4:])
    return None


class CountingSimulator(Simulator):
    """The checks simulator, plus who started each project's checks (see the module)."""

    def reset_stats(self) -> None:
        super().reset_stats()
        self.check_starts: dict[int, Counter[str]] = {}

    async def serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        # Each connection is its own asyncio task, with its own copy of the context: the
        # routes awaited below read the peer of their own connection.
        peer = writer.get_extra_info("peername")
        _PEER.set(str(peer[0]) if peer else "?")
        await super().serve_connection(reader, writer)

    def upstream(
        self, path: str, query: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        index = check_start_index(path, query)
        if index is not None:
            self.check_starts.setdefault(index, Counter())[_PEER.get()] += 1
        return super().upstream(path, query, headers)

    def control(
        self, method: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], bytes]:
        if path.rstrip("/") == "/_control/checks" and method == "GET":
            return self.json(
                {str(index): dict(peers) for index, peers in sorted(self.check_starts.items())}
            )
        return super().control(method, path, query)


async def serve(args: argparse.Namespace) -> None:
    """``bench.checks.simulator.serve`` with the counting simulator, on ``args.host``."""
    simulator = CountingSimulator(args)
    server = await asyncio.start_server(
        simulator.serve_connection, args.host, args.port, backlog=4096, reuse_address=True
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://{args.host}:{port}", flush=True)  # the runner reads it
    async with server:
        await asyncio.sleep(args.max_seconds or 6 * 3600)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
