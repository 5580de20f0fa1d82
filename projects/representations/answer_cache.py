"""Whole list answers (rendered JSON with its ETag), kept per process while the catalogue
generation holds and their projects' stamps are unchanged."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Hashable, Sequence

from django.utils import timezone
from django.utils.http import http_date

from projects import catalogue
from projects.representations.fragment_cache import Addition, forget_fragments, fragments
from projects.representations.project_json import forget_parsed_versions
from projects.representations.rows import changed_since, stamps_of

#: What an answer is cached under: its endpoint's name and arguments.
Key = tuple[Hashable, ...]
#: A list's ordered project ids, read under a catalogue generation (None: not cached).
ReadIds = Callable[[int | None], Sequence[int]]


class RawJSON:
    """A body already rendered (JSON; the v1 wiki's text), with its ETag when known, so that
    a cached answer is neither encoded nor hashed again. ``stamps`` is what a list answer was
    built from (its projects' change stamps) and ``checked`` when they were last compared."""

    def __init__(self, content: str | bytes, etag: str | None = None) -> None:
        self.content = content.encode() if isinstance(content, str) else content
        self.etag = etag
        self.stamps: dict[int, str] = {}
        self.items: list[str] | None = None
        #: When what it shows last changed, for answers that send Last-Modified.
        self.last_modified: dt.datetime | None = None
        self.checked = dt.datetime.min.replace(tzinfo=dt.UTC)

    def __repr__(self) -> str:
        return f"RawJSON({self.content[:40]!r}...)"

    @functools.cached_property
    def last_modified_http(self) -> str | None:
        """``last_modified`` as a Last-Modified header's value (whole seconds), formatted
        once: it is set when the answer is built, before any request reads this."""
        if self.last_modified is None:
            return None
        return http_date(int(self.last_modified.timestamp()))


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

    def get(self, key: Key, current: int | None) -> RawJSON | None:
        answer = super().get(key, current)
        return answer if isinstance(answer, RawJSON) else None


answers = Answers()

#: Up to this many projects, a list answer reads its projects' stamps by primary key on every
#: request. A longer one (v1's ``pattern=py*``: 22,000 projects, 7 MB) instead reads the
#: projects changed since it was last checked, less :data:`COMMIT_MARGIN` (the ``updated_on``
#: index), and compares those: a transaction commits well within that margin of the moment it
#: stamps ``updated_on``, and a whole-answer's age is bounded by :class:`Answers`' ttl anyway.
EXACT_LIMIT = 1_000
COMMIT_MARGIN = dt.timedelta(seconds=10)


def catalogue_answer(key: Key, build: Callable[[], str]) -> RawJSON:
    """An answer that only the catalogue changes (names, mappings, URLs), kept while the
    catalogue generation holds."""
    current = catalogue.generation()
    answer = answers.get(key, current)
    if answer is None:
        answer = raw_answer(build())
        answers.put(key, current, answer)
    return answer


def stamped_answer(
    key: Key, ids: ReadIds, build: Callable[[list[tuple[int, str]]], str]
) -> RawJSON:
    """A list answer built from projects: ``ids(generation)`` says which (read through the
    membership cache), ``build(stamps)`` renders them. The rendered answer is reused while the
    catalogue generation holds and the projects' stamps are unchanged, so a check of any of
    them shows in the next answer."""
    return _stamped(key, ids, lambda stamps, previous, changed: raw_answer(build(stamps)))


def fragments_answer(
    key: Key,
    ids: ReadIds,
    wrap: Callable[[list[str]], str],
    *,
    extended: bool = False,
    addition: Addition | None = None,
) -> RawJSON:
    """:func:`stamped_answer` for a list of the projects' JSON (``wrap`` puts it in its
    envelope; ``addition`` adds keys to each, and ``key`` must then differ from the plain
    list's). When a few projects of a long list changed, only their fragments are replaced:
    a check of one of v1's 22,000 ``py*`` projects costs a join, not a rebuild."""

    def render(
        stamps: list[tuple[int, str]], previous: RawJSON | None, changed: set[int]
    ) -> RawJSON:
        items: list[str] | None = None
        if previous is not None and previous.items is not None:
            wanted = [(index, pair) for index, pair in enumerate(stamps) if pair[0] in changed]
            texts = fragments([pair for _, pair in wanted], extended=extended, addition=addition)
            if len(texts) == len(wanted):  # else one was deleted meanwhile: rebuild
                items = list(previous.items)
                for (index, _), text in zip(wanted, texts, strict=True):
                    items[index] = text
        if items is None:
            items = fragments(stamps, extended=extended, addition=addition)
        answer = raw_answer(wrap(items))
        # Kept only while one item stands for each stamp, in the same order.
        answer.items = items if len(items) == len(stamps) else None
        return answer

    return _stamped(key, ids, render)


def _stamped(
    key: Key,
    ids: ReadIds,
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
    forget_fragments()
    forget_parsed_versions()
