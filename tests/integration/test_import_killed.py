"""``pingan import`` killed with SIGKILL, or stopped with Ctrl-C, halfway through a file: what it
committed is whole, and running it again adds exactly what is missing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

import pingan.db.engine as engine_module
from pingan.analytics.models import RollupDaily
from pingan.cli import app
from pingan.db.engine import make_engine
from pingan.incident.history import events_of, verify_history
from pingan.incident.models import Incident, IncidentEvent
from tests.conftest import BACKENDS, _drop_pg_database, new_database_url
from tests.integration.processes import (
    READS_PROC,
    kill_all,
    processes_using,
    wait_until_gone,
    workers_of,
)

runner = CliRunner()

ROWS = 8000  # seconds of work, so that a stop a busy machine delays still lands partway
BATCH = 200
PINGAN = str(Path(sys.executable).with_name("pingan"))


def _export(path: Path) -> None:
    towns = ("南明街道", "羽林街道", "七星街道", "沙溪镇", "澄潭街道")
    texts = ("电动车被盗", "邻居吵架", "有人打架受伤", "路灯不亮", "噪音扰民")
    lines = ["external_id,channel,reported_at,text,address"]
    for n in range(ROWS):
        day, minute = 1 + n % 28, n % 1440
        lines.append(
            f"K-{n:05d},110,2026-10-{day:02d} {minute // 60:02d}:{minute % 60:02d}:00,"
            f"{texts[n % len(texts)]} 第{n}起,新昌县{towns[n % len(towns)]}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="gb18030")  # an old system's export


def _counts(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    with factory() as session:
        return _counts_in(session)


def _counts_in(session: Session) -> tuple[int, int, int]:
    incidents = session.scalar(select(func.count()).select_from(Incident)) or 0
    events = session.scalar(select(func.count()).select_from(IncidentEvent)) or 0
    counted = session.scalar(select(func.sum(RollupDaily.received))) or 0
    return incidents, events, int(counted)


def _ready(env: dict[str, str], folder: Path) -> Path:
    """The database migrated and an export written: the export's path."""
    subprocess.run([PINGAN, "db", "upgrade"], env=env, check=True, capture_output=True)
    source = folder / "export.csv"
    _export(source)
    return source


def _whole_batches(factory: sessionmaker[Session]) -> int:
    """How many incidents a stopped import left, checking that batches are all or nothing: whole
    batches, each incident with its whole history, each counted in the rollups once."""
    incidents, events, counted = _counts(factory)
    assert 0 < incidents < ROWS and incidents % BATCH == 0
    assert events == 3 * incidents and counted == incidents
    return incidents


def _import(env: dict[str, str], source: Path, workers: int = 0) -> subprocess.Popen[bytes]:
    command = [PINGAN, "import", "incidents", str(source), "--batch", str(BATCH)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
    )


def _stop_partway(
    factory: sessionmaker[Session], process: subprocess.Popen[bytes], stop: Callable[[], None]
) -> None:
    """Once a few batches are committed, ``stop`` the import. The count and the stop happen
    while this test holds a lock the import's writes wait for (SQLite's writer lock, which any
    transaction here takes; on PostgreSQL a lock on the incident table), so that the import
    cannot commit more, or finish, in between, however slow the machine: it stops partway."""
    deadline = time.monotonic() + 120
    while True:
        with factory() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("LOCK TABLE incident IN SHARE ROW EXCLUSIVE MODE"))
            if _counts_in(session)[0] >= 3 * BATCH:  # a few batches in, more on their way
                stop()
                return
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


@dataclass
class _Running:
    """An import of the test export into a fresh SQLite database, a few batches committed."""

    env: dict[str, str]
    source: Path
    factory: sessionmaker[Session]
    process: subprocess.Popen[bytes]

    def again(self) -> None:
        """Run the same import again: it must finish and leave every row imported once."""
        again = _import(self.env, self.source, workers=1)
        _, err = again.communicate(timeout=300)
        assert again.returncode == 0, err.decode()
        assert _counts(self.factory) == (ROWS, 3 * ROWS, ROWS)


@contextmanager
def _stopped_partway(
    tmp_path: Path, stop: Callable[[subprocess.Popen[bytes]], None]
) -> Iterator[_Running]:
    """An import (with a triage worker) into a fresh SQLite database, ``stop``ped partway."""
    url, _ = new_database_url("sqlite", tmp_path)
    env = {**os.environ, "PINGAN_DATABASE_URL": url, "PINGAN_DATA_DIR": str(tmp_path)}
    engine = make_engine(url)
    factory = sessionmaker(bind=engine)
    process: subprocess.Popen[bytes] | None = None
    try:
        source = _ready(env, tmp_path)
        process = _import(env, source, workers=1)
        _stop_partway(factory, process, lambda: stop(process))
        yield _Running(env, source, factory, process)
    finally:
        if process is not None and process.poll() is None:  # a failed test leaves none behind
            process.kill()
            process.wait()
        engine.dispose()


def _ctrl_c(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole group


def _kill_the_triage_worker(process: subprocess.Popen[bytes]) -> None:
    (worker,) = workers_of(process.pid)
    os.kill(worker, signal.SIGKILL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_import_killed_halfway_resumes_with_nothing_lost_or_doubled(
    backend: str, tmp_path: Path
) -> None:
    url, pg_name = new_database_url(backend, tmp_path)
    env = {**os.environ, "PINGAN_DATABASE_URL": url, "PINGAN_DATA_DIR": str(tmp_path)}
    engine = make_engine(url)
    factory = sessionmaker(bind=engine)
    try:
        source = _ready(env, tmp_path)
        process = _import(env, source)
        _stop_partway(factory, process, process.kill)
        process.wait()
        incidents = _whole_batches(factory)

        again = _import(env, source)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err.decode()
        assert f'"imported": {ROWS - incidents}' in out.decode()
        assert f'"already_imported": {incidents}' in out.decode()
        assert _counts(factory) == (ROWS, 3 * ROWS, ROWS)
        with factory() as session:
            numbers = session.scalars(select(Incident.external_id)).all()
            assert len(set(numbers)) == ROWS
            for incident in session.scalars(select(Incident).limit(50)):
                assert verify_history(session, incident) == []
                assert len(events_of(session, incident.id)) == 3
    finally:
        engine.dispose()
        if pg_name:
            _drop_pg_database(pg_name)


@pytest.mark.usefixtures("terminal_ctrl_c")
def test_ctrl_c_stops_an_import_with_a_report_and_it_resumes(tmp_path: Path) -> None:
    with _stopped_partway(tmp_path, _ctrl_c) as running:
        out, err = running.process.communicate(timeout=120)
        assert running.process.returncode == 130, err.decode()[-2000:]
        incidents = _whole_batches(running.factory)
        assert json.loads(out)["imported"] == incidents
        said = err.decode()
        assert f"导入已中断：已提交 {incidents} 起" in said and "Traceback" not in said
        running.again()


@pytest.mark.skipif(not READS_PROC, reason="reads /proc")
def test_the_triage_worker_does_not_outlive_a_killed_import(tmp_path: Path) -> None:
    """Killed outright, the import cannot stop its triage worker: the worker notices and ends,
    rather than wait for the next batch for ever."""

    def kill_the_import_alone(process: subprocess.Popen[bytes]) -> None:
        assert len(processes_using(tmp_path)) >= 2  # the import and its triage worker
        process.kill()  # not its process group

    try:
        with _stopped_partway(tmp_path, kill_the_import_alone) as running:
            running.process.wait()
            assert wait_until_gone(tmp_path, seconds=20) == []
    finally:
        kill_all(tmp_path)


def test_an_import_stopped_by_a_full_disk_says_so_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails partway (here SQLite's file may grow by only so many pages, as on a
    full disk): the import says why it stopped and what it committed, in whole batches, and
    once there is room again the same command imports the rest."""
    url, _ = new_database_url("sqlite", tmp_path)
    monkeypatch.setenv("PINGAN_DATABASE_URL", url)
    monkeypatch.setenv("PINGAN_DATA_DIR", str(tmp_path))
    source = tmp_path / "export.csv"
    _export(source)
    first = tmp_path / "first.csv"  # the database in use already: migrated, divisions loaded
    first.write_text("\n".join(source.read_text(encoding="gb18030").splitlines()[:2]) + "\n")
    args = ["import", "incidents", "--batch", str(BATCH), "--workers", "0"]
    assert runner.invoke(app, [*args, str(first)]).exit_code == 0

    def room_for_a_few_batches(url: str, **options: Any) -> Engine:
        engine = make_engine(url, **options)

        @event.listens_for(engine, "connect")
        def _limit(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 1000}")

        return engine

    monkeypatch.setattr(engine_module, "make_engine", room_for_a_few_batches)
    stopped = runner.invoke(app, [*args, str(source)])
    monkeypatch.undo()

    assert stopped.exit_code == 1
    factory = sessionmaker(bind=make_engine(url))
    # Whole batches: the first file's row is the first batch's first, found already there.
    incidents = _counts(factory)[0]
    assert 0 < incidents < ROWS and incidents % BATCH == 0
    said = " ".join(stopped.output.split())
    assert "导入已中断（数据库出错：database or disk is full）" in said
    assert f"已提交 {incidents - 1} 起" in said and "再次运行同一命令即可从中断处继续" in said
    assert "INSERT" not in said and "Traceback" not in said  # no statement, no row values

    monkeypatch.setenv("PINGAN_DATABASE_URL", url)
    monkeypatch.setenv("PINGAN_DATA_DIR", str(tmp_path))
    again = runner.invoke(app, [*args, str(source)])
    assert again.exit_code == 0, again.output
    assert _counts(factory) == (ROWS, 3 * ROWS, ROWS)


@pytest.mark.skipif(not READS_PROC, reason="reads /proc")
def test_an_import_whose_triage_worker_dies_says_so_and_resumes(tmp_path: Path) -> None:
    """The triage worker killed (by the OOM killer, say): the import stops with what it
    committed and why, instead of a traceback, and running it again imports the rest."""
    with _stopped_partway(tmp_path, _kill_the_triage_worker) as running:
        out, err = running.process.communicate(timeout=120)

        assert running.process.returncode == 1
        incidents = _whole_batches(running.factory)
        assert json.loads(out)["imported"] == incidents
        said = " ".join(err.decode().split())
        assert f"导入已中断（研判进程意外退出）：已提交 {incidents} 起" in said
        assert "Traceback" not in said
        running.again()
