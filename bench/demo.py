"""The demo: how long a new user waits for ``make demo``, and the full-volume year.

1. ``pingan demo --no-serve`` with its defaults (a year of 绍兴市 at the default volume) into a
   fresh data folder, timed as a new user meets it (the environment already installed):
   the target is under 5 minutes on a two-core machine.
2. The same pipeline at full volume (``--volume 1``) for ``PINGAN_BENCH_DEMO_DAYS`` days (14 by
   default) of 绍兴市: incidents a second, and the time a full year at full volume would take.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench.intake import _prepared
from pingan.demo.year import build_year
from pingan.incident.models import Incident, IncidentEvent
from pingan.intake.ahead import default_workers

DAYS = int(os.environ.get("PINGAN_BENCH_DEMO_DAYS", "14"))


def _make_demo(folder: Path) -> dict[str, Any]:
    env = {**os.environ, "PINGAN_DATA_DIR": str(folder)}
    env.pop("PINGAN_DATABASE_URL", None)
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("pingan")), "demo", "--no-serve"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    with sqlite3.connect(folder / "pingan.db") as db:
        incidents = db.execute("select count(*) from incident").fetchone()[0]
        events = db.execute("select count(*) from incident_event").fetchone()[0]
    return {
        "seconds": round(seconds, 1),
        "incidents": incidents,
        "events": events,
        "target_seconds": 300,
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
