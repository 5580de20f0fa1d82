"""Counters every process shares (API throttles), when the shared cache is the database.
Re-exported by :mod:`projects.models`."""

from __future__ import annotations

from django.db import models


class HitCounter(models.Model):
    """Events counted under a key until ``expires`` (one row per client and window).

    Written by :meth:`projects.shared_cache.DatabaseCache.count_hit` with one upsert; the
    pickled rows of Django's database cache cannot be incremented in SQL.
    """

    counter_key = models.CharField(max_length=255, primary_key=True)
    count = models.BigIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.counter_key}: {self.count}"
