"""Many rows in one statement, at the driver's speed.

SQLAlchemy's ``execute(insert(table), rows)`` prepares every row's parameters through its
compiled statement (keys, defaults, type processing) — on SQLite that costs more than the
insert itself. :func:`insert_many` converts values with the same type processors (so what is
stored is identical: UTC datetimes, JSON) and hands the tuples straight to the driver's
``executemany``; on PostgreSQL they go in one ``COPY … FROM STDIN`` (psycopg's), the server's
own bulk load, instead of a statement per row.
A JSON value or a time that several rows share (the same routing trace, the moment of a batch)
is converted once.
:func:`add_many` is the same for counters (``INSERT … ON CONFLICT DO UPDATE SET m = m +
excluded.m``: the rollups) and :func:`insert_new` for rows kept once (``ON CONFLICT DO
NOTHING``); on PostgreSQL each is one ``INSERT … SELECT FROM unnest(…)`` of column arrays.
Rows written this way bypass the ORM: a caller that inserts incident events must count them
into the rollups itself (``analytics.rollups.apply_events``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import DBAPIError

from pingan.db.base import UtcDateTime

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


def _processor(table: Table, column: str, dialect: Dialect) -> Processor:
    kind = table.c[column].type
    if isinstance(kind, JSON) and dialect.name == "postgresql":
        # The text itself (what psycopg's Json() wrapper would send), for COPY and arrays:
        # SQLAlchemy's JSON processor (None, JSON.NULL, none_as_null) with the engine's
        # serialiser and no wrapper.
        serialise = getattr(dialect, "_json_serializer", None) or json.dumps
        text: Processor = kind._make_bind_processor(None, serialise)  # type: ignore[no-untyped-call]
        return text
    # The type's processor for this dialect: TypeDecorators and JSON included.
    processor: Processor = kind._cached_bind_processor(dialect)
    return processor


@dataclass(frozen=True)
class _Column:
    name: str
    processor: Processor
    # Rows often hold the very same object — a routing trace, the moment a batch was written —
    # which is then converted once (JSON and times).
    shared: bool


@cache
def _columns(table: Table, names: tuple[str, ...], dialect: Dialect) -> tuple[_Column, ...]:
    return tuple(
        _Column(
            name,
            _processor(table, name, dialect),
            isinstance(table.c[name].type, JSON | UtcDateTime),
        )
        for name in names
    )


class JsonObject(dict[str, Any]):
    """A JSON object that carries its serialised text, made already (an event payload, encoded
    for its hash): :func:`insert_many` writes that text on SQLite instead of encoding it again.
    The text must encode the same JSON value the column's serialiser would write (the key order
    and the spelling of numbers may differ: the serialiser is orjson, the text the json
    module's)."""

    __slots__ = ("text",)

    def __init__(self, value: dict[str, Any], text: str) -> None:
        super().__init__(value)
        self.text = text


def _values(column: _Column, rows: Sequence[dict[str, Any]]) -> list[Any]:
    values = [row[column.name] for row in rows]
    process = column.processor
    if process is None:
        return values
    if not column.shared:
        return list(map(process, values))
    done: dict[int, Any] = {}  # by identity: the objects stay alive in ``rows`` meanwhile
    result = []
    for value in values:
        key = id(value)
        if key not in done:
            done[key] = value.text if type(value) is JsonObject else process(value)
        result.append(done[key])
    return result


def _parameters(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The rows' column names and their values converted for the driver, row by row."""
    given = tuple(rows[0])
    defaults = _defaults(table, given)
    if defaults:
        rows = [{**row, **{name: _value(d) for name, d in defaults}} for row in rows]
    names = tuple(rows[0])
    columns = _columns(table, names, connection.dialect)
    return names, list(zip(*(_values(c, rows) for c in columns), strict=True))


@cache
def _insert_sql(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    # Only the table's own (quoted) names go into the text; every value is a bound parameter.
    quote = dialect.identifier_preparer.quote
    marks = ", ".join("?" for _ in names)
    listed = ", ".join(quote(c) for c in names)
    return f"INSERT INTO {quote(table.name)} ({listed}) VALUES ({marks})"  # noqa: S608


def insert_many(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` in one executemany (SQLite) or
    one COPY (PostgreSQL)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows)
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), list(rows))
        return
    names, parameters = _parameters(connection, table, rows)
    connection.exec_driver_sql(_insert_sql(connection.dialect, table, names), parameters)


def _copy(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """The rows in one ``COPY … FROM STDIN`` on the connection's transaction. A failure reaches
    the caller as SQLAlchemy's error of the same kind (``IntegrityError``, ``OperationalError``),
    as a statement's would."""
    names, parameters = _parameters(connection, table, rows)
    statement = _copy_sql(connection.dialect, table, names)
    dbapi = connection.dialect.loaded_dbapi
    raw = connection.connection
    cursor = raw.cursor()
    try:
        with cursor.copy(statement) as copy:
            for row in parameters:
                copy.write_row(row)
    except dbapi.Error as failure:
        gone = connection.dialect.is_disconnect(failure, raw, cursor)
        if gone:
            connection.invalidate(failure)
        raise DBAPIError.instance(
            statement, None, failure, dbapi.Error, connection_invalidated=gone
        ) from failure
    finally:
        cursor.close()


@cache
def _copy_sql(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    listed = ", ".join(quote(c) for c in names)
    return f"COPY {quote(table.name)} ({listed}) FROM STDIN"


def insert_new(
    connection: Connection, table: Table, key: tuple[str, ...], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert the ``rows`` whose ``key`` is not in ``table`` yet; the others are left as they are
    (``INSERT … ON CONFLICT (key) DO NOTHING``)."""
    if not rows:
        return
    if connection.dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"needs SQLite or PostgreSQL, not {connection.dialect.name}")
    names, parameters = _parameters(connection, table, rows)
    statement = _insert_new_sql(connection.dialect, table, key, names)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(statement, _arrays(parameters, len(names)))
        return
    connection.exec_driver_sql(statement, parameters)


@cache
def _from_arrays_sql(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    """PostgreSQL: ``INSERT … SELECT`` from one array parameter per column (``unnest``), so
    that many rows go in one statement, in the order given. The arrays go in binary (``%b``):
    as text, every quote inside a JSON value would be escaped, in Python."""
    quote = dialect.identifier_preparer.quote
    listed = ", ".join(quote(c) for c in names)
    arrays = ", ".join(f"CAST(%b AS {table.c[c].type.compile(dialect=dialect)}[])" for c in names)
    return f"INSERT INTO {quote(table.name)} ({listed}) SELECT * FROM unnest({arrays})"  # noqa: S608


def _on_conflict(dialect: Dialect, key: tuple[str, ...], action: str) -> str:
    conflict = ", ".join(dialect.identifier_preparer.quote(c) for c in key)
    return f" ON CONFLICT ({conflict}) {action}"


def _arrays(parameters: list[tuple[Any, ...]], width: int) -> tuple[list[Any], ...]:
    """Rows of values as one list per column."""
    return tuple(map(list, zip(*parameters, strict=True))) if parameters else ([],) * width


def _inserting(dialect: Dialect, table: Table, names: tuple[str, ...]) -> str:
    """The insert an upsert starts with: from column arrays on PostgreSQL, else row by row."""
    if dialect.name == "postgresql":
        return _from_arrays_sql(dialect, table, names)
    return _insert_sql(dialect, table, names)


@cache
def _insert_new_sql(
    dialect: Dialect, table: Table, key: tuple[str, ...], names: tuple[str, ...]
) -> str:
    return _inserting(dialect, table, names) + _on_conflict(dialect, key, "DO NOTHING")


def add_many(
    connection: Connection, table: Table, key: tuple[str, ...], rows: Sequence[dict[str, Any]]
) -> None:
    """Add ``rows`` to counters: a new key is inserted, an existing one gets every other column
    added to it (``INSERT … ON CONFLICT (key) DO UPDATE SET m = m + excluded.m``)."""
    if not rows:
        return
    if connection.dialect.name not in ("sqlite", "postgresql"):
        raise NotImplementedError(
            f"counters need SQLite or PostgreSQL, not {connection.dialect.name}"
        )
    names, parameters = _parameters(connection, table, rows)
    statement = _add_sql(connection.dialect, table, key, names)
    if connection.dialect.name == "postgresql":
        # One statement (a key given twice in it would be refused: the rows are summed first).
        summed = _summed(parameters, [names.index(c) for c in key])
        connection.exec_driver_sql(statement, _arrays(summed, len(names)))
        return
    connection.exec_driver_sql(statement, parameters)


def _summed(parameters: list[tuple[Any, ...]], key: list[int]) -> list[tuple[Any, ...]]:
    """Rows that share a key added into one, in the order each key first comes."""
    by_key: dict[tuple[Any, ...], list[Any]] = {}
    measures = [i for i in range(len(parameters[0]) if parameters else 0) if i not in key]
    for row in parameters:
        k = tuple(row[i] for i in key)
        held = by_key.get(k)
        if held is None:
            by_key[k] = list(row)
        else:
            for i in measures:
                held[i] += row[i]
    return [tuple(row) for row in by_key.values()]


@cache
def _add_sql(dialect: Dialect, table: Table, key: tuple[str, ...], names: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    added = ", ".join(
        f"{quote(c)} = {quote(table.name)}.{quote(c)} + excluded.{quote(c)}"
        for c in names
        if c not in key
    )
    return _inserting(dialect, table, names) + _on_conflict(dialect, key, f"DO UPDATE SET {added}")
