"""The demo: how long a new user waits for ``make demo``, and the full-volume year.

1. ``pingan demo`` with its defaults (a year of 绍兴市 at full volume) into a fresh data folder,
   as a new user meets it (the environment already installed): the seconds until the dashboard
   answers (target: under 5 minutes on a two-core machine), then the seconds until the background
   process has filled in the rest of the year while the server runs.
2. The pipeline alone at full volume for ``PINGAN_BENCH_DEMO_DAYS`` days (14 by default) of
   绍兴市: incidents a second, and the time a full year would take.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.durability import _free_port
from bench.intake import _prepared
from pingan.demo.year import build_year
from pingan.incident.models import Incident, IncidentEvent
from pingan.intake.ahead import default_workers

DAYS = int(os.environ.get("PINGAN_BENCH_DEMO_DAYS", "14"))


def _make_demo(folder: Path) -> dict[str, Any]:
    port = _free_port()
    env = {**os.environ, "PINGAN_DATA_DIR": str(folder), "PYTHONUNBUFFERED": "1"}
    env.pop("PINGAN_DATABASE_URL", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("pingan")), "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # the progress lines are on stderr
        text=True,
    )
    finished: list[float] = []

    def watch() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if "一年警情已建完" in line:
                finished.append(time.perf_counter() - started)

    threading.Thread(target=watch, daemon=True).start()
    ready = None
    try:
        while ready is None and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).is_success:
                    ready = time.perf_counter() - started
            except httpx.HTTPError:
                time.sleep(0.5)
        deadline = time.monotonic() + 3600
        while not finished and process.poll() is None and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    with sqlite3.connect(folder / "pingan.db") as db:
        incidents = db.execute("select count(*) from incident").fetchone()[0]
        events = db.execute("select count(*) from incident_event").fetchone()[0]
    return {
        "ready_seconds": round(ready, 1) if ready is not None else None,
        "year_complete_seconds": round(finished[0], 1) if finished else None,
        "incidents": incidents,
        "events": events,
        "target_ready_seconds": 300,
    }


def _full_volume(folder: Path) -> dict[str, Any]:
    factory = _prepared(f"sqlite:///{folder}/full.db")
    started = time.perf_counter()
    summary = build_year(factory, "330600", days=DAYS, scale=1.0, workers=default_workers())
    seconds = time.perf_counter() - started
    with factory() as session:
        events = session.scalar(select(func.count()).select_from(IncidentEvent))
        states = dict(
            session.execute(select(Incident.state, func.count()).group_by(Incident.state)).all()
        )
    rate = summary.created / seconds
    return {
        "days": DAYS,
        "incidents": summary.created,
        "refused": summary.refused,
        "events": events,
        "states": states,
        "incidents_per_s": round(rate),
        "year_of_shaoxing_minutes": round(summary.created / DAYS * 365 / rate / 60, 1),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "demo").mkdir()
        return {
            "make_demo": _make_demo(folder / "demo"),
            "full_volume_shaoxing": _full_volume(folder),
        }
