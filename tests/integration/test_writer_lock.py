"""Writers to one SQLite file queue on the lock file: the second waits for the first to commit
(no error, no busy-handler sleeps), a rollback lets go too, and a writer that waits too long is
told the database is locked."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from pingan.db.engine import make_engine


def _engine(path: Path, **kwargs: int) -> Engine:
    engine = make_engine(f"sqlite:///{path}", **kwargs)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS log (who TEXT, at REAL)"))
    return engine


def _hold(engine: Engine, seconds: float, held: threading.Event, who: str = "first") -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO log VALUES (:w, :t)"), {"w": who, "t": time.time()})
        held.set()
        time.sleep(seconds)


def test_a_second_writer_waits_for_the_first_to_commit(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    first, second = _engine(path), _engine(path)  # two engines: as two processes would
    held = threading.Event()
    holder = threading.Thread(target=_hold, args=(first, 0.4, held))
    holder.start()
    held.wait(5)
    started = time.monotonic()
    with second.begin() as connection:
        connection.execute(text("INSERT INTO log VALUES ('second', :t)"), {"t": time.time()})
    waited = time.monotonic() - started
    holder.join()
    with second.connect() as connection:
        order = [who for (who,) in connection.execute(text("SELECT who FROM log ORDER BY rowid"))]
    assert order == ["first", "second"]
    assert 0.2 < waited < 3


def test_a_rollback_lets_the_next_writer_in(tmp_path: Path) -> None:
    path = tmp_path / "rollback.db"
    first, second = _engine(path), _engine(path, busy_timeout_ms=500)
    with pytest.raises(RuntimeError), first.begin() as connection:
        connection.execute(text("INSERT INTO log VALUES ('undone', 0)"))
        raise RuntimeError("abandon")
    with second.begin() as connection:  # would time out if the lock were still held
        connection.execute(text("INSERT INTO log VALUES ('after', 0)"))
    with second.connect() as connection:
        assert connection.execute(text("SELECT who FROM log")).scalars().all() == ["after"]


def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "timeout.db"
    first, impatient = _engine(path), _engine(path, busy_timeout_ms=150)
    held = threading.Event()
    holder = threading.Thread(target=_hold, args=(first, 1.0, held))
    holder.start()
    held.wait(5)
    try:
        with pytest.raises(OperationalError, match="locked"), impatient.begin() as connection:
            connection.execute(text("INSERT INTO log VALUES ('late', 0)"))
    finally:
        holder.join()
    with impatient.begin() as connection:  # and the lock is free again afterwards
        connection.execute(text("INSERT INTO log VALUES ('later', 0)"))
