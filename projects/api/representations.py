"""Anitya's Project JSON, built fast enough for lists of thousands of projects.

``Project.as_json`` (models.py) is the reference; this module produces the same JSON from
plain rows (``values()``), because the v1 search endpoints answer thousands of projects at
once and model instances plus per-project version objects cost milliseconds each. Two caches
make repeated answers cheap:

- parsed versions are memoised per (scheme, prefix, pre-release filter, pattern, raw string):
  upstreams reuse the same version strings everywhere (``1.0``, ``2.3.1``, ...);
- each project's rendered JSON fragment is kept per process, keyed by the project's id and
  ``updated_on``. Every service that changes what the JSON shows (the check's ``record*``,
  ``project_edit``, ``versions_delete``) moves ``updated_on``, so a changed project is
  rebuilt on its next read; entries also expire after a while, which bounds how long a change
  made behind the services' back (a version edited in the admin) can stay unseen.

On top, :class:`Answers` keeps whole list answers (encoded, with their ETag) while the
catalogue generation holds (``projects/catalogue.py``: no project added, deleted, renamed or
mapped since) and their projects' stamps are unchanged (:func:`stamped_answer`). Which
projects a list holds comes from ``catalogue.ordered_ids``, so a repeated list, or any page
of one, costs a primary-key lookup of its ids' stamps and no ``COUNT`` or ``OFFSET``.

tests/projects/api/test_representations.py pins the equivalence with ``Project.as_json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from backends import registry, versions
from projects import catalogue
from projects.models import Package, Project, ProjectVersion, epoch

#: The project columns the JSON (and the version ordering) needs.
ROW_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "homepage",
    "backend",
    "ecosystem_name",
    "version_url",
    "regex",
    "latest_version",
    "version_scheme",
    "version_prefix",
    "pre_release_filter",
    "version_pattern",
    "version_filter",
    "created_on",
    "updated_on",
)

#: A project's change stamp: ``updated_on`` as the database writes it in text (cheaper to read
#: than a datetime, which matters when a search returns tens of thousands of projects).
STAMP = Cast("updated_on", output_field=TextField())

# Bulk reads go in chunks: SQLite limits the number of parameters of one statement.
CHUNK = 900
LARGE_CHUNK = 50_000
FRAGMENT_TTL = 900.0  # seconds, plus up to as much again at random (spreads the rebuilds)
MAX_FRAGMENTS = 300_000
MAX_PARSED_VERSIONS = 500_000


@dataclass(frozen=True, slots=True)
class ShownVersion:
    """A stored version as the JSON shows it."""

    parsed: str
    prerelease: bool
    created_on: dt.datetime | None
    published_at: dt.datetime | None


# -- versions ---------------------------------------------------------------------------------

_parsed: dict[tuple, tuple[tuple, str, bool]] = {}


def _parse(scheme: str, row: dict[str, Any], raw: str) -> tuple[tuple, str, bool]:
    """(sort key, parsed string, pre-release) of ``raw`` under the project's settings."""
    key = (scheme, row["version_prefix"], row["pre_release_filter"], row["version_pattern"], raw)
    found = _parsed.get(key)
    if found is None:
        version = versions.make_version(
            raw,
            scheme=scheme,
            version_prefix=row["version_prefix"],
            pre_release_filter=row["pre_release_filter"],
            version_pattern=row["version_pattern"],
        )
        if len(_parsed) >= MAX_PARSED_VERSIONS:
            _parsed.clear()
        found = _parsed[key] = ((version.sort_key, raw), version.parsed, version.is_prerelease())
    return found


def shown_versions(
    row: dict[str, Any], stored: Iterable[tuple[str, dt.datetime | None, dt.datetime | None]]
) -> list[ShownVersion]:
    """The project's visible versions, newest first, exactly as ``Project.visible_versions``.

    ``stored`` holds (raw version, created_on, published_at) of every stored version.
    """
    scheme = registry.resolve_scheme_name(
        row["version_scheme"], row["ecosystem_name"], row["backend"]
    )
    version_filter, prefix = row["version_filter"], row["version_prefix"]
    keyed = []
    for raw, created_on, published_at in stored:
        if version_filter and versions.is_filtered(raw, version_filter, prefix):
            continue
        sort_key, parsed, prerelease = _parse(scheme, row, raw)
        keyed.append((sort_key, ShownVersion(parsed, prerelease, created_on, published_at)))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [shown for _, shown in keyed]


def naive_iso(moment: dt.datetime | None) -> str | None:
    """Anitya's ``latest_version_created_on``: a naive ISO 8601 string, in UTC."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


# -- JSON -------------------------------------------------------------------------------------


def project_json(
    row: dict[str, Any],
    shown: Sequence[ShownVersion],
    *,
    extended: bool = False,
    packages: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Anitya's Project JSON (v1, v2, messages); ``extended`` adds v2's extra keys and
    ``packages`` makes it the detailed form. Keys are sorted, as Flask's jsonify sends them."""
    stable = [version.parsed for version in shown if not version.prerelease]
    data: dict[str, Any] = {
        "backend": row["backend"],
        "created_on": epoch(row["created_on"]),
        "ecosystem": row["ecosystem_name"],
        "homepage": row["homepage"],
        "id": row["id"],
        "name": row["name"],
        "regex": row["regex"],
        "stable_versions": stable,
        "updated_on": epoch(row["updated_on"]),
        "version": row["latest_version"],
        "version_url": row["version_url"],
        "versions": [version.parsed for version in shown],
    }
    if extended:
        latest = shown[0] if shown else None
        data["latest_stable_version"] = stable[0] if stable else None
        data["latest_version_created_on"] = naive_iso(latest.created_on) if latest else None
        data["latest_version_published_on"] = naive_iso(latest.published_at) if latest else None
        data["pre_release_filter"] = row["pre_release_filter"]
        data["version_filter"] = row["version_filter"]
    if packages is not None:
        data["packages"] = packages
    return dict(sorted(data.items()))


def dumps(data: Any) -> str:
    """Compact JSON with sorted keys; U+2028/9 escaped as DRF's renderer does."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    size = CHUNK if connection.vendor == "sqlite" else LARGE_CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_rows(ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The projects' rows by id (missing ids are absent)."""
    rows: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for row in Project.objects.filter(pk__in=chunk).values(*ROW_FIELDS, stamp=STAMP):
            rows[row["id"]] = row
    return rows


def load_versions(ids: Sequence[int], *, times: bool = True) -> dict[int, list[tuple]]:
    """Every stored version of these projects: (raw, created_on, published_at) by project id.

    Without ``times`` both times are None: reading hundreds of thousands of datetimes is the
    slowest part of a big list, and Anitya's Project JSON does not show them.
    """
    stored: dict[int, list[tuple]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = ProjectVersion.objects.filter(project_id__in=chunk)
        if times:
            for project_id, raw, created_on, published_at in query.values_list(
                "project_id", "version", "created_on", "published_at"
            ):
                stored[project_id].append((raw, created_on, published_at))
        else:
            for project_id, raw in query.values_list("project_id", "version"):
                stored[project_id].append((raw, None, None))
    return stored


def load_packages(ids: Sequence[int]) -> dict[int, list[dict[str, str]]]:
    """The projects' mappings as JSON, ordered by distro (ignoring case) then package name."""
    packages: dict[int, list[dict[str, str]]] = defaultdict(list)
    for chunk in _chunks(ids):
        query = (
            Package.objects.filter(project_id__in=chunk)
            .order_by(Lower("distro__name"), "package_name", "pk")
            .values_list("project_id", "distro__name", "package_name")
        )
        for project_id, distro, package_name in query:
            packages[project_id].append({"distro": distro, "package_name": package_name})
    return packages


def row_of(project: Project) -> dict[str, Any]:
    """The row of a model instance (saved or not), for :func:`project_json`."""
    row = {field: getattr(project, field) for field in ROW_FIELDS if field != "id"}
    row["id"] = project.pk
    row["stamp"] = None
    return row


def instance_json(project: Project, *, extended: bool = False) -> dict[str, Any]:
    """The Project JSON of a model instance (e.g. a project that could not be created)."""
    row = row_of(project)
    stored = (
        [(v.version, v.created_on, v.published_at) for v in project.versions.all()]
        if project.pk
        else []
    )
    return project_json(row, shown_versions(row, stored), extended=extended)


def detailed_json(project_id: int) -> dict[str, Any] | None:
    """The detailed Project JSON (with packages) of one project; None if there is none."""
    rows = load_rows([project_id])
    if project_id not in rows:
        return None
    row = rows[project_id]
    shown = shown_versions(row, load_versions([project_id]).get(project_id, []))
    packages = load_packages([project_id]).get(project_id, [])
    return project_json(row, shown, packages=packages)


# -- the fragment cache -----------------------------------------------------------------------

_fragments: dict[tuple[bool, int], tuple[str, float, str]] = {}


def fragments(stamps: Sequence[tuple[int, str]], *, extended: bool = False) -> list[str]:
    """The rendered Project JSON of each (id, stamp) of :func:`stamps_of`, in order, from the
    cache when the project has not changed since; the others are built with two queries per
    chunk."""
    now = time.monotonic()
    found: list[str | None] = []
    missing: list[int] = []
    for project_id, stamp in stamps:
        entry = _fragments.get((extended, project_id))
        if entry is not None and entry[0] == stamp and entry[1] > now:
            found.append(entry[2])
        else:
            found.append(None)
            missing.append(project_id)
    if not missing:
        return found  # type: ignore[return-value]
    built = _build(missing, extended=extended, now=now)
    # A project deleted since ``stamps`` were read is left out.
    return [
        text if text is not None else built[project_id]
        for text, (project_id, _) in zip(found, stamps, strict=True)
        if text is not None or project_id in built
    ]


def _build(ids: list[int], *, extended: bool, now: float) -> dict[int, str]:
    if len(_fragments) + len(ids) > MAX_FRAGMENTS:
        _fragments.clear()
    built: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = load_rows(chunk)
        stored = load_versions(list(rows), times=extended)
        for project_id, row in rows.items():
            text = dumps(
                project_json(
                    row, shown_versions(row, stored.get(project_id, [])), extended=extended
                )
            )
            expires = now + FRAGMENT_TTL * (1 + random.random())  # noqa: S311 (not security)
            _fragments[(extended, project_id)] = (row["stamp"], expires, text)
            built[project_id] = text
    return built


# -- whole answers --------------------------------------------------------------------------


class RawJSON:
    """A body already rendered (JSON; the v1 wiki's text), with its ETag when known, so that
    a cached answer is neither encoded nor hashed again. ``stamps`` is what a list answer was
    built from (its projects' change stamps) and ``checked`` when they were last compared."""

    def __init__(self, content: str | bytes, etag: str | None = None) -> None:
        self.content = content.encode() if isinstance(content, str) else content
        self.etag = etag
        self.stamps: dict[int, str] = {}
        self.items: list[str] | None = None
        self.checked = dt.datetime.min.replace(tzinfo=dt.UTC)

    def __repr__(self) -> str:
        return f"RawJSON({self.content[:40]!r}...)"


def etag_of(content: bytes) -> str:
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


def raw_answer(content: str) -> RawJSON:
    encoded = content.encode()
    return RawJSON(encoded, etag_of(encoded))


class Answers(catalogue.GenerationCache):
    """Whole answers (rendered JSON) of the lists, per process, valid while the catalogue
    generation holds (``projects/catalogue.py``) and for at most ``ttl`` seconds (a version
    edited in the admin moves no stamp); at most ``max_bytes`` in all, the least recently used
    going first."""

    def __init__(self, *, ttl: float = 300.0, max_bytes: int = 64_000_000) -> None:
        super().__init__(ttl=ttl, max_size=max_bytes, size=lambda answer: len(answer.content))


answers = Answers()

#: Up to this many projects, a list answer reads its projects' stamps by primary key on every
#: request. A longer one (v1's ``pattern=py*``: 22,000 projects, 7 MB) instead reads the
#: projects changed since it was last checked, less :data:`COMMIT_MARGIN` (the ``updated_on``
#: index), and compares those: a transaction commits well within that margin of the moment it
#: stamps ``updated_on``, and a whole-answer's age is bounded by :class:`Answers`' ttl anyway.
EXACT_LIMIT = 1_000
COMMIT_MARGIN = dt.timedelta(seconds=10)


def catalogue_answer(key: tuple, build: Callable[[], str]) -> RawJSON:
    """An answer that only the catalogue changes (names, mappings, URLs), kept while the
    catalogue generation holds."""
    current = catalogue.generation()
    answer = answers.get(key, current)
    if answer is None:
        answer = raw_answer(build())
        answers.put(key, current, answer)
    return answer


def stamps_of(ids: Sequence[int]) -> list[tuple[int, str]]:
    """(id, change stamp) of these projects, in the order given; deleted ones are left out."""
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        found.update(Project.objects.filter(pk__in=chunk).values_list("id", STAMP))
    return [(project_id, found[project_id]) for project_id in ids if project_id in found]


def changed_since(moment: dt.datetime) -> dict[int, str]:
    """(id → stamp) of the projects whose ``updated_on`` is later than ``moment``."""
    return dict(Project.objects.filter(updated_on__gt=moment).values_list("id", STAMP))


def stamped_answer(
    key: tuple,
    ids: Callable[[int | None], Sequence[int]],
    build: Callable[[list[tuple[int, str]]], str],
) -> RawJSON:
    """A list answer built from projects: ``ids(generation)`` says which (read through the
    membership cache), ``build(stamps)`` renders them. The rendered answer is reused while the
    catalogue generation holds and the projects' stamps are unchanged, so a check of any of
    them shows in the next answer."""
    return _stamped(key, ids, lambda stamps, previous, changed: raw_answer(build(stamps)))


def fragments_answer(
    key: tuple,
    ids: Callable[[int | None], Sequence[int]],
    wrap: Callable[[list[str]], str],
    *,
    extended: bool = False,
) -> RawJSON:
    """:func:`stamped_answer` for a list of the projects' JSON (``wrap`` puts it in its
    envelope). When a few projects of a long list changed, only their fragments are replaced:
    a check of one of v1's 22,000 ``py*`` projects costs a join, not a rebuild."""

    def render(
        stamps: list[tuple[int, str]], previous: RawJSON | None, changed: set[int]
    ) -> RawJSON:
        items: list[str] | None = None
        if previous is not None and previous.items is not None:
            wanted = [(index, pair) for index, pair in enumerate(stamps) if pair[0] in changed]
            texts = fragments([pair for _, pair in wanted], extended=extended)
            if len(texts) == len(wanted):  # else one was deleted meanwhile: rebuild
                items = list(previous.items)
                for (index, _), text in zip(wanted, texts, strict=True):
                    items[index] = text
        if items is None:
            items = fragments(stamps, extended=extended)
        answer = raw_answer(wrap(items))
        # Kept only while one item stands for each stamp, in the same order.
        answer.items = items if len(items) == len(stamps) else None
        return answer

    return _stamped(key, ids, render)


def _stamped(
    key: tuple,
    ids: Callable[[int | None], Sequence[int]],
    render: Callable[[list[tuple[int, str]], RawJSON | None, set[int]], RawJSON],
) -> RawJSON:
    current = catalogue.generation()
    project_ids = ids(current)
    answer = answers.get(key, current)
    checked = timezone.now()
    previous, changed = None, set()
    if answer is None or len(project_ids) <= EXACT_LIMIT:
        stamps = stamps_of(project_ids)
        if answer is not None and answer.stamps == dict(stamps):
            return answer
    else:
        changes = changed_since(answer.checked - COMMIT_MARGIN)
        changed = {
            project_id
            for project_id, stamp in changes.items()
            if answer.stamps.get(project_id, stamp) != stamp
        }
        if not changed:
            answer.checked = checked
            return answer
        stamps = [
            (project_id, changes[project_id] if project_id in changed else stamp)
            for project_id, stamp in answer.stamps.items()
        ]
        previous = answer
    answer = render(stamps, previous, changed)
    answer.stamps, answer.checked = dict(stamps), checked
    answers.put(key, current, answer)
    return answer


def clear_caches() -> None:
    """Forget every cached answer, fragment and parsed version (tests; after editing by hand)."""
    answers.clear()
    catalogue.memberships.clear()
    _fragments.clear()
    _parsed.clear()
