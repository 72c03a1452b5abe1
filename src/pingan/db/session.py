"""The unit of work: one place commits (the request's or the command's session scope)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from pingan.db.engine import READ_ONLY


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """Commit when the block succeeds, roll back when it raises. Actions only flush.

    ``read_only`` work never takes SQLite's write lock, so readers never hold up writers.
    """
    session = factory()
    if read_only:
        session.connection(execution_options={READ_ONLY: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
