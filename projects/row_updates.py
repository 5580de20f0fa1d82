"""UPDATE statements made once and run many times, for the hottest writes.

``QuerySet.update()`` builds and compiles its query on every call: for the one-row writes a
check or a delivery makes thousands of times a minute, that is most of their CPU
(``bulk_update``'s CASE WHEN per field and row, ~4 ms a delivery; a 304 check's record, a
third of its CPU). :func:`update_statement` makes the statement for a model, the fields
written and the key columns once per process; callers bind the values
(:meth:`UpdateStatement.params`) and run it with ``execute`` or ``executemany``.
Only the model's own table and column names go into the text, quoted; values are bound.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model


@dataclass(frozen=True)
class UpdateStatement:
    sql: str
    fields: tuple[Field[Any, Any], ...]

    def params(self, values: Mapping[str, object], *keys: object) -> list[Any]:
        """The statement's parameters: ``values`` (by field name, prepared as the ORM would
        save them), then the keys' values."""
        prepared = [field.get_db_prep_save(values[field.name], connection) for field in self.fields]
        return [*prepared, *keys]


@functools.cache
def update_statement(
    model: type[Model], fields: tuple[str, ...], keys: tuple[str, ...] = ("id",)
) -> UpdateStatement:
    """``UPDATE <table> SET <fields> = %s ... WHERE <keys> = %s AND ...``."""
    quote = connection.ops.quote_name
    concrete = {field.name: field for field in model._meta.concrete_fields}

    def column(name: str) -> str:
        field = concrete[name]
        return quote(field.column or field.attname)

    assignments = ", ".join(f"{column(name)} = %s" for name in fields)
    where = " AND ".join(f"{column(name)} = %s" for name in keys)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {where}"  # noqa: S608
    return UpdateStatement(sql, tuple(concrete[name] for name in fields))
