"""What the project lists hold, remembered per process while the catalogue has not changed.

A list page costs two things: which projects are on it, in order, with the total (a
``COUNT(*)`` and an ``OFFSET`` that grow with the table), and how each project looks (cheap:
the ids' ``updated_on`` by primary key, then cached fragments). The first changes only when a
project is added, deleted, renamed and the like, or a mapping changes: exactly when the
catalogue generation moves (``models.Catalogue``, moved by database triggers at commit). So
:data:`memberships` keeps it per process under that generation, and a check, which only
moves ``updated_on``, never invalidates it.

Inside a transaction (:func:`generation` is None) nothing is remembered or reused: the
transaction may hold changes of its own that the generation does not count yet.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.db import IntegrityError, connection, transaction

from projects.models import Catalogue

#: What a cached list or answer is found by: the list's name and its parameters.
Key = tuple[Hashable, ...]

#: Databases whose migration installs the triggers that move the generation.
COUNTED_VENDORS = {"postgresql", "sqlite"}


def trusted() -> bool:
    """Whether a generation read now can be trusted: not inside a transaction (which may hold
    changes of its own that it does not count yet), on a database with the triggers."""
    return not connection.in_atomic_block and connection.vendor in COUNTED_VENDORS


def generation() -> int | None:
    """The committed catalogue generation; None where it cannot be trusted (:func:`trusted`)."""
    if not trusted():
        return None
    # A plain statement: every cached answer reads it, and the ORM's query cost more to build.
    table = connection.ops.quote_name(Catalogue._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    current = int(row[0]) if row is not None and row[0] is not None else None
    if current is None:
        # The row went (a test database flush): start again from a value never used before.
        try:
            with transaction.atomic():
                return Catalogue.objects.create(pk=1, generation=time.time_ns()).generation
        except IntegrityError:  # another process put it back first
            return None
    return current


class GenerationCache:
    """Values per key, valid while the generation they were built under is current and for at
    most ``ttl`` seconds; beyond ``max_size`` in all (each value weighs ``size(value)``), the
    least recently used go first. Nothing is kept or found under generation None."""

    def __init__(self, *, ttl: float, max_size: int, size: Callable[[Any], int] = len) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self.size = size
        self._entries: OrderedDict[Key, tuple[int, float, Any]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()  # threaded servers (runserver, gthread workers)

    def get(self, key: Key, current: int | None) -> Any | None:
        if current is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != current or entry[1] <= time.monotonic():
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def put(self, key: Key, current: int | None, value: Any) -> None:
        weight = self.size(value)
        if current is None or weight > self.max_size:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._total -= self.size(old[2])
            while self._entries and self._total + weight > self.max_size:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._total -= self.size(dropped)
            self._entries[key] = (current, time.monotonic() + self.ttl, value)
            self._total += weight

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._total = 0


#: The ordered ids of every list (API and site) that has been asked for.
memberships = GenerationCache(ttl=3600.0, max_size=2_000_000)  # ids


def ordered_ids(key: Key, read: Callable[[], Iterable[int]], current: int | None) -> array[int]:
    """All the ids of a list, in its order, from :data:`memberships` while the catalogue
    generation is ``current``; ``read()`` reads them otherwise. A page is a slice of it, so a
    deep page costs what the first does, and the total is its length."""
    ids = memberships.get(key, current)
    if ids is None:
        ids = array("q", read())
        memberships.put(key, current, ids)
    return ids
