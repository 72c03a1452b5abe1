"""Many rows in one statement, at the driver's speed.

SQLAlchemy's ``execute(insert(table), rows)`` prepares every row's parameters through its
compiled statement (keys, defaults, type processing) — on SQLite that costs more than the
insert itself. :func:`insert_many` converts values with the same type processors (so what is
stored is identical: UTC datetimes, JSON) and hands the tuples straight to the driver's
``executemany``. On PostgreSQL it is SQLAlchemy's own bulk insert (already batched there).
Rows written this way bypass the ORM: a caller that inserts incident events must count them
into the rollups itself (``analytics.rollups.apply_events``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine.interfaces import Dialect

Processor = Callable[[Any], Any] | None


def _defaults(table: Table, given: tuple[str, ...]) -> list[tuple[str, Any]]:
    """Python-side column defaults for the columns the rows leave out (as ``insert`` applies)."""
    return [
        (column.name, column.default)
        for column in table.columns
        if column.name not in given
        and column.default is not None
        and (column.default.is_scalar or column.default.is_callable)
    ]


def _value(default: Any) -> Any:
    return default.arg if default.is_scalar else default.arg(None)


@cache
def _plan(table: Table, columns: tuple[str, ...], dialect: Dialect) -> tuple[str, list[Processor]]:
    # Only the table's own (quoted) names go into the text; every value is a bound parameter.
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608
    # The type's processor for this dialect: TypeDecorators (UtcDateTime) and JSON included.
    processors: list[Processor] = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
    return sql, processors


def insert_many(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` in one executemany."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), list(rows))
        return
    given = tuple(rows[0])
    defaults = _defaults(table, given)
    if defaults:
        rows = [{**row, **{name: _value(d) for name, d in defaults}} for row in rows]
    columns = tuple(rows[0])
    sql, processors = _plan(table, columns, connection.dialect)
    pairs = list(zip(columns, processors, strict=True))
    connection.exec_driver_sql(
        sql,
        [tuple(row[c] if p is None else p(row[c]) for c, p in pairs) for row in rows],
    )
