"""Engines for the embedded default (SQLite) and for PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from pingan.db import writer_lock

READ_ONLY = "pingan_read_only"
SQLITE_CACHE_KIB = 32 * 1024
WAL_CHECKPOINT_PAGES = 10_000


def _json_text(value: Any) -> str:
    """JSON columns as orjson writes them: Chinese as UTF-8 rather than \\uXXXX escapes (a third
    of the bytes for a routing trace), no spaces, keys that are not strings written as strings
    (as the json module does), and faster than the json module. Read back by json.loads. (The
    hash chain encodes event payloads with the json module, see history.py.)"""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, *, busy_timeout_ms: int = 15000, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and durable commits.

    ``synchronous=FULL`` in WAL mode means a commit that returned is on disk: an incident that was
    acknowledged survives a crash or power loss.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        connect_args: dict[str, Any] = {
            "check_same_thread": False,
            "timeout": busy_timeout_ms / 1000,
        }
        on_disk = database if database and database != ":memory:" else None
        if on_disk and not parsed.query.get("mode"):
            Path(on_disk).parent.mkdir(parents=True, exist_ok=True)
            connect_args["factory"] = writer_lock.LockingConnection
        engine = create_engine(
            parsed, echo=echo, connect_args=connect_args, json_serializer=_json_text
        )
        _configure_sqlite(engine, busy_timeout_ms, on_disk)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        json_serializer=_json_text,
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, database: str | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if database is not None:
            writer_lock.attach(dbapi_connection, database, busy_timeout_ms / 1000)
        # Let SQLAlchemy, not the driver, decide when transactions begin (needed for SAVEPOINT).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # 32 MiB of pages per connection instead of 2: an incident touches a dozen indexes at
        # places spread through them, which the default cache stops holding as tables grow.
        cursor.execute(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")
        # The WAL is copied into the database every 10,000 pages (40 MiB) rather than every
        # 1,000: a page changed by several transactions meanwhile is copied once. Commits stay
        # durable (synchronous=FULL syncs the WAL at every commit).
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock up front: a deferred transaction that reads and then writes can
        # fail at once with "database is locked" when another writer got there first, whereas
        # an immediate one waits its turn (behind the writer lock: see db/writer_lock.py).
        # Read-only work opts out.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            writer_lock.begin_writing(
                connection.connection.dbapi_connection,
                lambda: connection.exec_driver_sql("BEGIN IMMEDIATE"),
            )
