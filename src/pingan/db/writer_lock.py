"""Writers to one SQLite file take turns through a lock file instead of SQLite's busy handler.

SQLite lets one writer in at a time. A writer that finds the database locked sleeps in SQLite's
busy handler for 1, 2, 5, 10 … up to 100 ms between tries, so with two server processes writing
at once a request can sit out a hundred milliseconds while the lock was free after one. Here a
connection first takes an exclusive ``flock`` on ``<database>-writer.lock`` (tried every
millisecond or so), then begins its transaction, and lets go right after its commit or rollback:
writers from every process and thread queue up and the next one is in within a millisecond.
Readers are not involved (WAL lets them read during a write).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

try:
    import fcntl
except ImportError:  # not on Windows: writers wait in SQLite's busy handler there
    fcntl = None  # type: ignore[assignment]

POLL_SECONDS = (0.0002, 0.0005, 0.001)  # then every millisecond until the timeout


class WriterLock:
    """An exclusive lock on a file, held by one connection at a time."""

    def __init__(self, path: Path, timeout: float) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        self._timeout = timeout
        self.held = False

    def acquire(self) -> None:
        if self.held:
            return
        deadline = time.monotonic() + self._timeout
        tries = 0
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(POLL_SECONDS[min(tries, len(POLL_SECONDS) - 1)])
                tries += 1
                continue
            self.held = True
            return

    def release(self) -> None:
        if self.held:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        self.release()
        os.close(self._fd)


class LockingConnection(sqlite3.Connection):
    """A driver connection that lets go of its writer lock once its transaction has ended."""

    writer_lock: WriterLock | None = None

    def commit(self) -> None:
        self._end(super().commit)

    def rollback(self) -> None:
        self._end(super().rollback)

    def _end(self, end: Callable[[], None]) -> None:
        try:
            end()
        finally:
            if self.writer_lock is not None:
                self.writer_lock.release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.writer_lock is not None:
                self.writer_lock.close()
                self.writer_lock = None


def attach(dbapi_connection: Any, database: str, timeout: float) -> None:
    """Give a new driver connection its own handle on the database's lock file."""
    if isinstance(dbapi_connection, LockingConnection) and fcntl is not None:
        dbapi_connection.writer_lock = WriterLock(Path(f"{database}-writer.lock"), timeout)


def begin_writing(dbapi_connection: Any, begin: Any) -> None:
    """Take the writer lock, then run ``begin()``; let go again if beginning fails."""
    lock = getattr(dbapi_connection, "writer_lock", None)
    if lock is None:
        begin()
        return
    try:
        lock.acquire()
    except sqlite3.OperationalError as exc:  # as SQLAlchemy reports a busy timeout on BEGIN
        raise OperationalError("BEGIN IMMEDIATE", None, exc) from None
    try:
        begin()
    except BaseException:
        lock.release()
        raise
