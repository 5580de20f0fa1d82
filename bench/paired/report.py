"""The paired benchmark's tables: medians over the pairs, and releasemon/Anitya ratios.

Each ratio is the median of the per-pair ratios (pair k's releasemon figure over pair k's
Anitya figure, the two measured one after the other), which cancels slow drifts of the
machine's load better than a ratio of medians.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from bench.api.run import Measurement
from bench.paired.checks import CycleResult


def median(values: Sequence[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def per_request(seconds: float | None, requests: int) -> float | None:
    return None if seconds is None or not requests else 1000 * seconds / requests


def cpu_ms(result: Measurement) -> float | None:
    """gunicorn's plus PostgreSQL's CPU per request, in ms."""
    app = per_request(result.app_cpu_s, result.requests)
    db = per_request(result.db_cpu_s, result.requests)
    return None if app is None else app + (db or 0.0)


def paired_ratio(
    ours: Sequence[object], theirs: Sequence[object], value: Callable[[object], float | None]
) -> float | None:
    ratios = []
    for mine, other in zip(ours, theirs, strict=False):
        a, b = value(mine), value(other)
        if a is not None and b:
            ratios.append(a / b)
    return median(ratios)


def _f(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 10:
        return f"{value:.0f}x"
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def endpoint_summary(runs: Sequence[Measurement]) -> dict:
    served = [r for r in runs if r.requests]  # latencies of a window without answers: none
    return {
        "rps": median([r.rps for r in runs]),
        "rps_min": min((r.rps for r in runs), default=None),
        "rps_max": max((r.rps for r in runs), default=None),
        "p50_ms": median([r.p50_ms for r in served]),
        "p99_ms": median([r.p99_ms for r in served]),
        "app_ms": median([per_request(r.app_cpu_s, r.requests) for r in runs]),
        "db_ms": median([per_request(r.db_cpu_s, r.requests) for r in runs]),
        "requests": sum(r.requests for r in runs),
        "seconds": median([r.seconds for r in runs]),
        "failures": sum(r.non_2xx + r.errors for r in runs),
    }


def check_summary(runs: Sequence[CycleResult]) -> dict:
    return {
        "per_second": median([r.per_second for r in runs]),
        "cpu_ms": median([r.cpu_ms for r in runs]),
        "db_ms": median([r.db_ms for r in runs]),
        "wall": median([r.wall for r in runs]),
        "success": min((r.success for r in runs), default=0),
        "errors": max((r.errors for r in runs), default=0),
        "new_versions": sorted({r.new_versions for r in runs if r.new_versions is not None}),
        "requests": median([r.requests for r in runs]),
        "connections": median([r.connections for r in runs]),
    }


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return lines


def endpoint_rows(endpoints, results: dict) -> tuple[list[list[str]], list[list[str]], dict]:
    """The summary rows, the detail rows, and the JSON summary of the endpoints."""
    summary_rows, detail_rows, data = [], [], {}
    for endpoint in endpoints:
        taken = results.get(endpoint.key)
        if not taken:
            continue
        anitya, ours = taken["Anitya"], taken["releasemon"]
        a, r = endpoint_summary(anitya), endpoint_summary(ours)
        throughput = paired_ratio(ours, anitya, lambda m: m.rps)
        cpu = paired_ratio(ours, anitya, cpu_ms)
        data[endpoint.key] = {
            "Anitya": a,
            "releasemon": r,
            "rps_ratio": throughput,
            "cpu_ratio": cpu,
        }

        def cell(s: dict) -> str:
            total = None if s["app_ms"] is None else s["app_ms"] + (s["db_ms"] or 0.0)
            if not s["requests"]:
                return f"no answer within {_f(s['seconds'], 0)} s"
            return (
                f"{_f(s['rps'])} req/s, p99 {_f(s['p99_ms'], 0)} ms, "
                f"{_f(total)} ms CPU ({_f(s['db_ms'])} PG)"
            )

        summary_rows.append([endpoint.label, cell(a), cell(r), _x(throughput), _x(cpu)])
        for side, s in (("Anitya", a), ("releasemon", r)):
            detail_rows.append(
                [
                    endpoint.key if side == "Anitya" else "",
                    side,
                    _f(s["rps"]),
                    f"{_f(s['rps_min'], 0)}-{_f(s['rps_max'], 0)}",
                    _f(s["p50_ms"], 2),
                    _f(s["p99_ms"], 2),
                    _f(s["app_ms"], 2),
                    _f(s["db_ms"], 2),
                    str(s["requests"]),
                    _f(s["seconds"], 0),
                    str(s["failures"]),
                ]
            )
    return summary_rows, detail_rows, data


def check_rows(results: Sequence[CycleResult], projects: int) -> tuple[list, list, dict]:
    summary_rows, detail_rows, data = [], [], {}
    latencies = sorted({r.latency_ms for r in results}, reverse=True)
    for latency in latencies:
        by_side = {
            side: [r for r in results if r.latency_ms == latency and r.side == side]
            for side in ("Anitya", "releasemon", "nvchecker")
        }
        anitya, ours = by_side["Anitya"], by_side["releasemon"]
        summaries = {side: check_summary(runs) for side, runs in by_side.items() if runs}
        speed = paired_ratio(ours, anitya, lambda c: c.per_second)
        cpu = paired_ratio(ours, anitya, lambda c: c.cpu_ms + (c.db_ms or 0.0))
        key = f"{latency:.0f} ms"
        data[key] = {**summaries, "speed_ratio": speed, "cpu_ratio": cpu}

        def cell(s: dict | None) -> str:
            if s is None:
                return "-"
            db = "" if s["db_ms"] is None else f" + {_f(s['db_ms'], 2)} PG"
            return f"{_f(s['per_second'], 0)} projects/s, {_f(s['cpu_ms'], 2)}{db} ms CPU/check"

        label = f"check cycle, {projects:,} projects, {latency:.0f} ms upstream latency"
        summary_rows.append(
            [
                label,
                cell(summaries.get("Anitya")),
                cell(summaries.get("releasemon")),
                _x(speed),
                _x(cpu),
            ]
        )
        if "nvchecker" in summaries:
            nv = summaries["nvchecker"]
            nv_speed = paired_ratio(ours, by_side["nvchecker"], lambda c: c.per_second)
            nv_cpu = paired_ratio(ours, by_side["nvchecker"], lambda c: c.cpu_ms + (c.db_ms or 0.0))
            data[key]["nvchecker_speed_ratio"] = nv_speed
            data[key]["nvchecker_cpu_ratio"] = nv_cpu
            summary_rows.append(
                [
                    f"  the same against nvchecker ({latency:.0f} ms; ratio releasemon/nvchecker)",
                    f"nvchecker: {cell(nv)}",
                    "",
                    _x(nv_speed),
                    _x(nv_cpu),
                ]
            )
        for side, s in summaries.items():
            detail_rows.append(
                [
                    key if side == "Anitya" else "",
                    side,
                    _f(s["per_second"], 1),
                    _f(s["wall"], 1),
                    _f(s["cpu_ms"], 2),
                    _f(s["db_ms"], 2),
                    f"{s['success']}/{s['errors']}",
                    ",".join(str(v) for v in s["new_versions"]) or "-",
                    _f(s["requests"], 0),
                    _f(s["connections"], 0),
                ]
            )
    return summary_rows, detail_rows, data


def print_report(header: list[str], endpoints, endpoint_results, cycles, projects) -> dict:
    e_summary, e_detail, e_data = endpoint_rows(endpoints, endpoint_results or {})
    c_summary, c_detail, c_data = check_rows(cycles or [], projects)
    print()
    for line in header:
        print(line)
    print()
    rows = [["what (same data, paired)", "Anitya", "releasemon", "req/s R/A", "CPU/req R/A"]]
    rows += c_summary + e_summary
    print("\n".join(_table(rows)))
    print()
    print(
        "Cells: medians over the pairs. CPU = gunicorn's (or the checker's) CPU + PostgreSQL's, "
        "per request (per check); ratios: releasemon / Anitya, the median of the per-pair "
        "ratios (req/s or projects/s above 1 and CPU below 1 favour releasemon)."
    )
    if e_detail:
        print()
        head = ["endpoint", "side", "req/s", "range", "p50 ms", "p99 ms", "app ms/req"]
        head += ["db ms/req", "requests (sum)", "wrk s", "failures"]
        print("\n".join(_table([head, *e_detail])))
    if c_detail:
        print()
        head = ["latency", "checker", "projects/s", "wall s", "CPU ms/check", "PG ms/check"]
        head += ["success/errors", "new versions", "requests", "connections"]
        print("\n".join(_table([head, *c_detail])))
    return {"endpoints": e_data, "checks": c_data}
