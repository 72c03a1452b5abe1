"""Shared fixtures: a migrated database per backend, a rolled-back session per test, personas.

Database tests run on SQLite always and on PostgreSQL when ``PINGAN_TEST_DATABASE_URL`` is set
(CI sets it). Each test runs inside a transaction that is rolled back, so tests never see each
other's rows; the app under test commits to a SAVEPOINT.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from pingan.app import create_app
from pingan.area.actions import load_divisions
from pingan.config import Settings
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.scratch import create_database, drop_database
from pingan.db.session import session_scope
from pingan.geo.places_file import load_places
from pingan.user.actions import create_user
from pingan.user.queries import to_actor
from pingan.user.schemas import UserCreate
from pingan.user.scope import Actor

PG_URL = os.environ.get("PINGAN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
SECRET = "test-secret-key-for-pingan-tests-only-0123456789"
PASSWORD = "correct-horse-battery"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def _drop_pg_database(name: str) -> None:
    assert PG_URL
    drop_database(PG_URL, name)


def new_database_url(backend: str, tmp_dir: Path) -> tuple[str, str | None]:
    """A fresh empty database; returns its URL and, for PostgreSQL, its name (to drop later)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'pingan-{uuid.uuid4().hex[:8]}.db'}", None
    name = f"pingan_t_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    assert PG_URL
    return create_database(PG_URL, name), name


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database with every Zhejiang division loaded, one per backend per worker."""
    url, pg_name = new_database_url(request.param, tmp_path_factory.mktemp("db"))
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(bind=engine)) as session:
        load_divisions(session, load_places())
    yield engine
    engine.dispose()
    if pg_name:
        _drop_pg_database(pg_name)


@pytest.fixture
def session_factory(database: Engine) -> Iterator[sessionmaker[Session]]:
    connection = database.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield factory
    outer.rollback()
    connection.close()


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture
def backend(database: Engine) -> str:
    return database.dialect.name


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, secret_key=SECRET, database_url="sqlite://", run_time_limits=False
    )


@pytest.fixture
def client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(settings, session_factory=session_factory)
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Persona:
    """A named user of the system with their token."""

    username: str
    actor: Actor
    headers: dict[str, str]


@pytest.fixture
def persona(client: TestClient, session_factory: sessionmaker[Session]) -> Any:
    """``persona("lin", "commander", place="330624")`` creates a user and signs them in."""

    def make(
        username: str, role: str, *, place: str | None = None, unit: int | None = None
    ) -> Persona:
        with session_scope(session_factory) as s:
            user = create_user(
                s,
                data=UserCreate(
                    username=username, password=PASSWORD, role=role, place_code=place, unit_id=unit
                ),
            )
            actor = to_actor(s, user)
        response = client.post("/api/auth/token", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        return Persona(username, actor, {"Authorization": f"Bearer {token}"})

    return make


def count_rows(session: Session, table: str) -> int:
    return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture
def terminal_ctrl_c() -> Iterator[None]:
    """Ctrl-C handled in this process, and so at its default in the processes it starts, as in a
    terminal, whatever the tests were started with (a script's background job ignores it)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)
