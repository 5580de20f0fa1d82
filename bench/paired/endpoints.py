"""The paired endpoints: Anitya and releasemon served by gunicorn alike, measured with wrk in
turns (Anitya, releasemon, Anitya, releasemon, ...) on the same paths.

Everything about one measurement (wrk, its Lua scripts, the CPU sampling of gunicorn and of
the database's PostgreSQL backends, gunicorn itself) is bench/api/run.py's; this module only
says what is measured and in which order.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench.api.run import (
    WRK_SCRIPT,
    WRK_SPREAD_SCRIPT,
    Gunicorn,
    Measurement,
    measure,
    postgres_backends,
)

# Every request a random page size (1..250, the API's limit) and a random page of that size:
# wrk's arguments after ``--`` are the path up to ``page=``, the project count, the largest
# page size and a seed.
WRK_PAGE_AND_SIZE_SCRIPT = (
    WRK_SCRIPT
    + r"""
function init(args)
  prefix, total, largest = args[1], tonumber(args[2]), tonumber(args[3])
  math.randomseed(tonumber(args[4]))
end

function request()
  local size = math.random(1, largest)
  local page = math.random(1, math.ceil(total / size))
  return wrk.format("GET", prefix .. "page=" .. page .. "&items_per_page=" .. size)
end
"""
)
# Every request a search for a word drawn at random from a file, a line each (wrk's arguments
# after ``--``: the path up to the word, the file, a seed).
WRK_WORD_SCRIPT = (
    WRK_SCRIPT
    + r"""
function init(args)
  prefix, words = args[1], {}
  for line in io.lines(args[2]) do words[#words + 1] = line end
  math.randomseed(tonumber(args[3]))
end

function request()
  return wrk.format("GET", prefix .. words[math.random(1, #words)])
end
"""
)
LARGEST_PAGE = 250  # items_per_page's maximum, in Anitya and in releasemon
HTML_PAGE_SIZE = 50  # the site's project list, in both


@dataclass(frozen=True)
class Endpoint:
    """One path measured on both. ``spread`` is ``""`` (the same path every time),
    ``"page"`` (a random ``{page}``), ``"page-and-size"`` (a random page and page size) or
    ``"word"`` (a random search word, the path ending where the word goes)."""

    key: str
    label: str
    path: str
    spread: str = ""
    # Slow answers (seconds each on Anitya) need a longer window, a longer wrk timeout, and
    # fewer connections (else no answer comes back within the window): for both sides alike.
    min_duration: float = 0.0
    min_timeout: float = 0.0
    connections: int = 0  # 0: --connections
    # No wrk warm-up: its requests would still run (seconds each) in the measured window.
    no_warmup: bool = False


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("v1-project", "GET /api/project/<id>", "/api/project/{project_id}"),
    Endpoint(
        "v1-project-package",
        "GET /api/project/<distro>/<pkg>",
        "/api/project/{distro}/{package}",
    ),
    Endpoint(
        "v1-by-ecosystem",
        "GET /api/by_ecosystem/<ecosystem>/<name>",
        "/api/by_ecosystem/{ecosystem}/{ecosystem_project}",
    ),
    Endpoint(
        "v2-versions",
        "GET /api/v2/versions/?project_id=",
        "/api/v2/versions/?project_id={project_id}",
    ),
    Endpoint(
        "v2-projects-random",
        "v2 projects, random page and page size",
        "/api/v2/projects/?",
        "page-and-size",
        min_duration=10,
    ),
    Endpoint("html-project", "HTML project page", "/project/{project_id}/"),
    Endpoint("html-search", "HTML search", "/projects/search/?pattern={search}"),
    # What people search for: a different project's name each time, its first four letters
    # (so the answers are not the one cached search above, on releasemon's side).
    Endpoint(
        "html-search-random",
        "HTML search, a random project's first four letters",
        "/projects/search/?pattern=",
        "word",
        min_duration=10,
    ),
    Endpoint(
        "html-projects-random", "HTML project list, random page", "/projects/?page={page}", "page"
    ),
    Endpoint(
        "v1-projects-pattern",
        "GET /api/projects/?pattern=py* (2 connections, 25 s)",
        "/api/projects/?pattern=py*",
        min_duration=25,
        min_timeout=60,
        connections=2,
        no_warmup=True,
    ),
)


def pick_parameters(projects: int) -> dict:
    """The project the detail pages ask for (bench.api.run's choice: the middle of the id
    range, at least 5 versions and 2 mappings), one of its Fedora packages (else any mapping),
    the next project from a package index (for ``/api/by_ecosystem/``),
    a search word (the first four letters of its name), the words of ``html-search-random``
    (every project's first four letters, in a random order) and the page counts."""
    from bench.api.run import pick_parameters as api_pick
    from projects.models import Package, Project

    picked = api_pick(argparse.Namespace(deep_page=1))
    mapping = (
        Package.objects.filter(project_id=picked["project_id"])
        .select_related("distro")
        .order_by("id")
    )
    chosen = next((m for m in mapping if m.distro.name == "Fedora"), None) or mapping.first()
    if chosen is None:
        raise SystemExit(f"project {picked['project_id']} has no mapping")
    # by_ecosystem names an index's ecosystem (a homepage is the ecosystem of the others).
    by_ecosystem = (
        Project.objects.filter(pk__gte=picked["project_id"])
        .exclude(ecosystem_name__contains="/")
        .order_by("pk")
        .first()
    )
    if by_ecosystem is None:
        raise SystemExit("no project from a package index to ask /api/by_ecosystem/ for")
    words = [name[:4] for name in Project.objects.values_list("name", flat=True)]
    random.Random(projects).shuffle(words)
    picked.update(
        search_words=words,
        distro=chosen.distro.name,
        package=chosen.package_name,
        search=picked["name"][:4],
        ecosystem=by_ecosystem.ecosystem_name,
        ecosystem_project=by_ecosystem.name,
        projects=projects,
        html_pages=max(1, math.ceil(projects / HTML_PAGE_SIZE)),
    )
    return picked


def resolve(endpoint: Endpoint, parameters: dict, page: int = 2) -> str:
    """The path of one request (a random page is ``page``; page and size: page 2 of 25)."""
    if endpoint.spread == "page-and-size":
        return f"{endpoint.path}page={page}&items_per_page=25"
    if endpoint.spread == "word":
        return endpoint.path + quote(parameters["search"], safe="")
    return endpoint.path.format(
        project_id=parameters["project_id"],
        distro=quote(parameters["distro"], safe=""),
        package=quote(parameters["package"], safe=""),
        ecosystem=quote(parameters["ecosystem"], safe=""),
        ecosystem_project=quote(parameters["ecosystem_project"], safe=""),
        search=quote(parameters["search"], safe=""),
        page=page,
    )


def shown(endpoint: Endpoint, parameters: dict) -> str:
    if endpoint.spread == "page-and-size":
        return f"{endpoint.path}page=<random>&items_per_page=<1..{LARGEST_PAGE}>"
    if endpoint.spread == "word":
        return f"{endpoint.path}<the first four letters of a random project's name>"
    if endpoint.spread == "page":
        return endpoint.path.replace("{page}", f"<1..{parameters['html_pages']}>").format(
            **{k: v for k, v in parameters.items() if k != "page"}
        )
    return resolve(endpoint, parameters)


def script_arguments(
    endpoint: Endpoint, parameters: dict, seed: int, scripts: dict[str, str]
) -> list[str]:
    if endpoint.spread == "word":
        return [endpoint.path, scripts["words"], str(seed)]
    if endpoint.spread == "page-and-size":
        return [endpoint.path, str(parameters["projects"]), str(LARGEST_PAGE), str(seed)]
    if endpoint.spread == "page":
        prefix, suffix = resolve(endpoint, parameters, page=0).split("page=0")
        return [prefix + "page=", "1", str(parameters["html_pages"]), suffix, str(seed)]
    return []


def write_scripts(folder: str, parameters: dict) -> dict[str, str]:
    """wrk's scripts, and the search words a line each (``words``), in ``folder``."""
    scripts = {
        "fixed": WRK_SCRIPT,
        "page": WRK_SPREAD_SCRIPT,
        "page-and-size": WRK_PAGE_AND_SIZE_SCRIPT,
        "word": WRK_WORD_SCRIPT,
    }
    paths = {}
    for name, text in scripts.items():
        paths[name] = f"{folder}/{name}.lua"
        Path(paths[name]).write_text(text)
    paths["words"] = f"{folder}/words.txt"
    words = (quote(word, safe="") for word in parameters["search_words"])
    Path(paths["words"]).write_text("".join(f"{word}\n" for word in words))
    return paths


@dataclass
class Side:
    """One server under measurement: its gunicorn and its database's backends."""

    name: str
    server: Gunicorn
    database: str

    def __post_init__(self) -> None:
        self.backends = postgres_backends(self.database, set())


def measure_pairs(
    sides: list[Side],
    endpoints: list[Endpoint],
    parameters: dict,
    args: argparse.Namespace,
    scripts: dict[str, str],
) -> dict[str, dict[str, list[Measurement]]]:
    """For each endpoint, ``args.pairs`` rounds of every side in turn; the measurements by
    endpoint key and side name, in the order taken."""
    results: dict[str, dict[str, list[Measurement]]] = {}
    for endpoint in endpoints:
        path = resolve(endpoint, parameters)
        chosen = {"fixed": scripts["fixed"], "spread": scripts[endpoint.spread or "fixed"]}
        taken = results.setdefault(endpoint.key, {side.name: [] for side in sides})
        settings = argparse.Namespace(**vars(args))
        settings.duration = max(args.duration, endpoint.min_duration)
        settings.timeout = max(args.timeout, endpoint.min_timeout)
        settings.connections = endpoint.connections or args.connections
        if endpoint.no_warmup:
            settings.warmup = 0
        for pair in range(args.pairs):
            # Each pair its own random requests (the same for every side): a later pair must
            # not ask releasemon what an earlier one made it cache.
            spread = script_arguments(endpoint, parameters, args.seed + pair, scripts)
            for side in sides:
                if not args.quiet:
                    print(
                        f"  {endpoint.key} pair {pair + 1}/{args.pairs}: {side.name}",
                        file=sys.stderr,
                        flush=True,
                    )
                for other in sides:  # the previous measurement's queue, on either server
                    other.server.wait_idle(limit=30)
                result = measure(path, spread, settings, chosen, side.server, side.backends)
                taken[side.name].append(result)
                if result.non_2xx or result.errors:
                    print(
                        f"  {endpoint.key} on {side.name}: first answer {result.first_status}, "
                        f"{result.http_errors} answers >= 400, socket errors "
                        f"{result.socket_errors}",
                        file=sys.stderr,
                        flush=True,
                    )
    return results
