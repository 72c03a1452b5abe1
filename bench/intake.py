"""Recording incidents through the real action (number, place, history) versus a plain insert.

Both write the same rows into the same kind of fresh SQLite database in the same run; the ratio
is how close the full path comes to the storage limit.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from pingan.area.actions import load_divisions
from pingan.area.models import Place
from pingan.db.base import utcnow
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.session import session_scope
from pingan.geo.places_file import load_places
from pingan.incident.actions import create_incident
from pingan.incident.models import Incident
from pingan.incident.schemas import IncidentCreate
from pingan.user.scope import SYSTEM

ROWS = 5000
BATCH = 500


def _database(folder: Path, name: str) -> sessionmaker[Any]:
    url = f"sqlite:///{folder / name}"
    upgrade(url)
    factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with session_scope(factory) as session:
        load_divisions(session, load_places())
    return factory


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        full = _database(folder, "full.db")
        plain = _database(folder, "plain.db")
        with session_scope(full) as session:
            towns = list(session.scalars(select(Place.code).where(Place.level == "town")))
        texts = [f"报警人称其电动车在小区楼下被盗，第{n}起" for n in range(ROWS)]

        started = time.perf_counter()
        for start in range(0, ROWS, BATCH):
            with session_scope(full) as session:
                for n in range(start, min(start + BATCH, ROWS)):
                    create_incident(
                        session,
                        actor=SYSTEM,
                        data=IncidentCreate(
                            channel="110", description=texts[n], place_code=towns[n % len(towns)]
                        ),
                    )
        full_rate = ROWS / (time.perf_counter() - started)

        now = utcnow()
        rows = [
            {
                "number": f"B{n:012d}",
                "channel": "110",
                "reported_at": now,
                "created_at": now,
                "description": texts[n],
                "place_code": towns[n % len(towns)],
                "state": "received",
                "return_count": 0,
                "updated_at": now,
            }
            for n in range(ROWS)
        ]
        started = time.perf_counter()
        for start in range(0, ROWS, BATCH):
            with session_scope(plain) as session:
                session.execute(insert(Incident), rows[start : start + BATCH])
        plain_rate = ROWS / (time.perf_counter() - started)
    return {
        "rows": ROWS,
        "batch": BATCH,
        "create_incident_per_s": round(full_rate),
        "plain_insert_per_s": round(plain_rate),
        "ratio": round(full_rate / plain_rate, 3),
        "note": "create_incident = number + place lookup + incident row + first history event; "
        "no triage or routing yet",
    }
