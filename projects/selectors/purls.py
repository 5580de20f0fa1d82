"""Projects found by Package URL (``backends/purls``), in a bounded number of queries.

A PURL becomes a :class:`~backends.purls.LookupKey`; the projects it names are found two ways:

- in the ecosystems whose key is the folded project name (pypi, npm, ...), the database folds
  the names as :class:`~backends.purls.NameFold` says (lower case, separators replaced) and
  compares them with the keys: one query per ecosystem and chunk of keys;
- in the scopes whose key comes from several fields or spellings (Docker Hub, Maven Central,
  GitHub, Bitbucket), every project's key is computed once per catalogue generation (which
  moves whenever a name, homepage, version URL or backend changes): one query then, a lookup
  in memory afterwards.

Either way each candidate's key is computed again from its fields, so a project is found
exactly when its own PURL would be.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from django.db.models import Q, Value
from django.db.models.expressions import Func
from django.db.models.functions import Lower, Replace, Trim

from backends import purls
from projects import catalogue
from projects.models import Project

#: The columns a project's PURL is made of, after its id.
FIELDS = ("id", "backend", "name", "ecosystem_name", "version_url", "homepage")
#: Keys per query: the folded names are parameters (SQLite allows 999), two per Go key.
KEYS_PER_QUERY = 300
#: SQL folds runs of separators by replacing pairs, three times: runs of up to 8 characters
#: (``a--------b``) become one, which covers every name a registry holds.
COLLAPSE_PASSES = 3
_INDEX_KEY = ("purl-index",)

#: What a PURL of a list of them found: the project's id (None: none) and why the PURL could
#: not be read (None: it could).
PurlMatch = tuple[int | None, str | None]


def project_purl(project: Project) -> str | None:
    """The project's Package URL (its page shows it); None when it has none."""
    return purls.project_purl(_fields(FIELDS, [getattr(project, name) for name in FIELDS]))


def project_ids_for_purl(text: str) -> list[int]:
    """The ids of every project the PURL names, oldest first (several projects may watch one
    repository). Raises :class:`~backends.purls.InvalidPurl` when it is malformed."""
    key = purls.lookup_key(text)
    if key is None:
        return []
    return ids_by_key([key]).get(key, [])


def projects_for_purls(texts: Sequence[object]) -> list[PurlMatch]:
    """For each of ``texts``, in order, the project it names (the oldest when several do) and
    why it could not be read, if it could not."""
    keys: list[purls.LookupKey | None] = []
    errors: list[str | None] = []
    for text in texts:
        try:
            keys.append(purls.lookup_key(text))
            errors.append(None)
        except purls.InvalidPurl as error:
            keys.append(None)
            errors.append(str(error))
    found = ids_by_key(key for key in keys if key is not None)
    matches: list[PurlMatch] = []
    for key, reason in zip(keys, errors, strict=True):
        ids = found.get(key, []) if key is not None else []
        matches.append((ids[0] if ids else None, reason))
    return matches


def ids_by_key(keys: Iterable[purls.LookupKey]) -> dict[purls.LookupKey, list[int]]:
    """The ids of the projects each key names, oldest first (keys naming none are left out)."""
    wanted = set(keys)
    found: dict[purls.LookupKey, list[int]] = defaultdict(list)
    by_scope: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in wanted:
        by_scope[(key.column, key.scope)].append(key.key)
    scanned = set(purls.SCANNED_SCOPES)
    for (column, scope), names in sorted(by_scope.items()):
        fold = purls.NAME_FOLDS.get(scope) if column == "ecosystem_name" else None
        if (column, scope) in scanned or fold is None:
            continue
        for chunk in _chunks(sorted(names)):
            spellings = [spelling for name in chunk for spelling in fold.spellings(name)]
            rows = (
                Project.objects.filter(ecosystem_name=scope)
                .alias(folded=_folded_name(fold))
                .filter(folded__in=spellings)
                .order_by("pk")
                .values_list(*FIELDS)
            )
            for row in rows:
                _add(found, wanted, row)
    if any((key.column, key.scope) in scanned for key in wanted):
        index = _scanned_index()
        for key in wanted:
            if key in index:
                found[key].extend(index[key])
    return dict(found)


def _folded_name(fold: purls.NameFold) -> Func:
    """The project's name folded in SQL as :meth:`NameFold.apply` folds it in Python. (SQLite's
    LOWER folds ASCII letters only; the registries' names are ASCII, or not found there.)"""
    expression: Func = Lower(Trim("name"))
    for separator in fold.separators:
        expression = Replace(expression, Value(separator), Value(fold.into))
    if fold.collapse:
        for _ in range(COLLAPSE_PASSES):
            expression = Replace(expression, Value(fold.into * 2), Value(fold.into))
    return expression


def _scanned_index() -> dict[purls.LookupKey, list[int]]:
    """Every key of the scanned scopes' projects, with their ids, kept per process while the
    catalogue generation holds (with the lists' memberships, which are cleared with them)."""
    current = catalogue.generation()
    index = catalogue.memberships.get(_INDEX_KEY, current)
    if index is None:
        built: dict[purls.LookupKey, list[int]] = defaultdict(list)
        condition = Q()
        for column, scope in purls.SCANNED_SCOPES:
            condition |= Q(**{column: scope})
        rows = Project.objects.filter(condition).order_by("pk").values_list(*FIELDS)
        for row in rows.iterator(chunk_size=2_000):
            _add(built, None, row)
        index = dict(built)
        catalogue.memberships.put(_INDEX_KEY, current, index)
    return cast("dict[purls.LookupKey, list[int]]", index)  # what was put under the key


def _add(
    found: dict[purls.LookupKey, list[int]],
    wanted: set[purls.LookupKey] | None,
    row: tuple[Any, ...],
) -> None:
    """Add the project of ``row`` under its key (if ``wanted`` holds it, when given)."""
    identity = purls.identify(_fields(FIELDS, row))
    if identity is not None and (wanted is None or identity.key in wanted):
        found[identity.key].append(row[0])


def _fields(names: Sequence[str], values: Sequence[Any]) -> purls.ProjectFields:
    return purls.ProjectFields.of(dict(zip(names, values, strict=True)))


def _chunks(names: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(names), KEYS_PER_QUERY):
        yield names[start : start + KEYS_PER_QUERY]
