"""Declarative base with stable constraint names (so migrations are portable)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """The time in UTC, as it is stored; a time without a zone is refused."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; Pingan stores only aware times")
    return value.astimezone(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes, stored as UTC on every backend.

    SQLite has no time zone type; values come back naive and are marked UTC here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        return as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    # On SQLite a time is text. SQLAlchemy turns it into a datetime and back through three
    # Python functions a value (its wrapper, its parser or formatter, the method above, whose
    # replace() alone costs about 1 µs); each way is one function here, writing the same text
    # (tests/unit/test_stored_times.py). By hand, reading nine columns of 9,000 incidents
    # (seven of them times) took 112 ms before and 44 ms after.
    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return sqlite_text
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name == "sqlite":
            return sqlite_time
        return super().result_processor(dialect, coltype)


def sqlite_text(value: dt.datetime | None) -> str | None:
    """What ``UtcDateTime`` stores on SQLite: the UTC time as SQLAlchemy's DATETIME writes it
    (``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    utc = as_utc(value)
    return None if utc is None else utc.isoformat(" ", "microseconds")[:26]


_parse = dt.datetime.fromisoformat


def sqlite_time(value: str | None) -> dt.datetime | None:
    """A time as SQLite holds it (UTC, no zone), aware."""
    if value is None:
        return None
    if len(value) in (19, 26):  # as SQLAlchemy writes it, or SQLite's CURRENT_TIMESTAMP
        try:
            return _parse(value + "+00:00")
        except ValueError:
            pass  # as long, but written otherwise
    parsed = _parse(value)  # written otherwise: with a zone, or a date alone
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime, dict[str, Any]: JSON}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
