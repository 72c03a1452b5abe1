"""No acknowledged incident is ever lost: SIGKILL the server while clients send, restart, check.

Each trial starts ``pingan serve`` on a free loopback port, lets several clients post incidents
(each with an Idempotency-Key), kills the server with SIGKILL at a random moment, and then checks
in the database that every incident the server acknowledged (HTTP 201) is there with its complete
history and an intact hash chain. ``run()`` does this on SQLite and, when
``PINGAN_TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from pingan.area.actions import load_divisions
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.scratch import create_database, drop_database
from pingan.db.session import session_scope
from pingan.geo.places_file import load_places
from pingan.incident.history import events_of, verify_history
from pingan.incident.models import Incident
from pingan.user.actions import create_user
from pingan.user.schemas import UserCreate

PASSWORD = "durability-check"
SECRET = "durability-secret-key-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_database(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with session_scope(sessionmaker(bind=engine)) as session:
        load_divisions(session, load_places())
        create_user(
            session,
            data=UserCreate(
                username="taker", password=PASSWORD, role="call_taker", place_code="330624"
            ),
        )
    engine.dispose()


def _start_server(
    url: str, data_dir: Path, port: int, *, workers: int = 1
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PINGAN_DATABASE_URL": url,
        "PINGAN_DATA_DIR": str(data_dir),
        "PINGAN_SECRET_KEY": SECRET,
    }
    # `pingan serve`, as a deployment runs it (several workers share the port fairly).
    pingan = str(Path(sys.executable).with_name("pingan"))
    process = subprocess.Popen(
        [pingan, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30 * workers
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                if workers > 1:
                    time.sleep(3)  # let the other workers finish warming up too
                return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("server did not start")


def _clients(
    port: int, token: str, stop: threading.Event, acked: list[str], workers: int
) -> list[threading.Thread]:
    def send() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            while not stop.is_set():
                key = uuid.uuid4().hex
                try:
                    response = client.post(
                        "/api/incidents",
                        json={
                            "channel": "110",
                            "description": f"持久性测试 {key}",
                            "caller_phone": "13800000000",
                        },
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 201:
                    acked.append(response.json()["number"])

    threads = [threading.Thread(target=send, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    return threads


def trial(url: str, data_dir: Path, rng: random.Random, workers: int = 4) -> dict[str, int]:
    """One kill: returns how many were acknowledged and how many of those were lost."""
    port = _free_port()
    server = _start_server(url, data_dir, port)
    token = httpx.post(
        f"http://127.0.0.1:{port}/api/auth/token", data={"username": "taker", "password": PASSWORD}
    ).json()["access_token"]
    acked: list[str] = []
    stop = threading.Event()
    threads = _clients(port, token, stop, acked, workers)
    time.sleep(rng.uniform(0.3, 1.2))
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    engine = make_engine(url)
    lost = broken = 0
    with sessionmaker(bind=engine)() as session:
        for number in set(acked):
            incident = session.scalar(select(Incident).where(Incident.number == number))
            if incident is None:
                lost += 1
                continue
            if not events_of(session, incident.id) or verify_history(session, incident):
                broken += 1
    engine.dispose()
    return {"acknowledged": len(set(acked)), "lost": lost, "broken_history": broken}


def run_backend(url: str, trials: int, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    prepare_database(url)
    totals = {"trials": trials, "acknowledged": 0, "lost": 0, "broken_history": 0}
    with tempfile.TemporaryDirectory() as data_dir:
        for _ in range(trials):
            result = trial(url, Path(data_dir), rng)
            for key in ("acknowledged", "lost", "broken_history"):
                totals[key] += result[key]
    return totals


# The PostgreSQL databases made by ``_pg_url`` since the last ``drop_databases``.
_MADE: list[str] = []


def _pg_url(name: str) -> str | None:
    """A fresh PostgreSQL database when ``PINGAN_TEST_DATABASE_URL`` names a server (dropped
    again by ``drop_databases`` once the benchmark is done)."""
    base = os.environ.get("PINGAN_TEST_DATABASE_URL")
    if not base:
        return None
    url = create_database(base, name)
    _MADE.append(name)
    return url


def drop_databases() -> None:
    """Drop the databases the benchmarks made (``python -m bench`` does after each one)."""
    base = os.environ.get("PINGAN_TEST_DATABASE_URL")
    while _MADE:
        name = _MADE.pop()
        if base:
            drop_database(base, name)


def run(trials: int = 25) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run_backend(f"sqlite:///{tmp}/durability.db", trials)
    pg = _pg_url("pingan_bench_durability")
    if pg:
        results["postgresql"] = run_backend(pg, trials)
    return results
