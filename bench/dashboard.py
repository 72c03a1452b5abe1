"""Dashboard panels against 1,000,000 incidents: p50/p95 per panel, in-process.

A scratch SQLite database gets the real divisions, a few hundred units and resources, and a year
of incidents (1,000,000 by default, ``PINGAN_BENCH_DASHBOARD_ROWS`` to change) written with Core
bulk inserts, with their rollups computed here and inserted directly: this is a fixture for the
benchmark, not the intake path (``bench/intake.py`` measures that). Recent incidents are open,
older ones closed and called back. Each panel is then asked ``REPEAT`` times through the real app
(TestClient, bearer token) for three jurisdictions — the province (admin), a city and a county —
and the p50/p95 per panel are reported. The target is p95 < 100 ms.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import sessionmaker

from pingan.analytics.models import MEASURES
from pingan.analytics.rollups import FINE_KEY, GRAINS
from pingan.app import create_app
from pingan.area.actions import load_divisions
from pingan.area.models import Place
from pingan.config import Settings
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.session import session_scope
from pingan.geo.places_file import load_places
from pingan.incident.models import Incident
from pingan.taxonomy import call_types
from pingan.unit.models import Resource, Unit
from pingan.user.actions import create_user
from pingan.user.schemas import UserCreate

ROWS = int(os.environ.get("PINGAN_BENCH_DASHBOARD_ROWS", "1000000"))
REPEAT = int(os.environ.get("PINGAN_BENCH_DASHBOARD_REPEAT", "30"))
CHUNK = 20_000
SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "bench-password-0123"
PANELS = (
    ("figures", "/api/dashboard/figures"),
    ("figures_30d", "/api/dashboard/figures?days=30"),
    ("trends_7d", "/api/dashboard/trends?days=7"),
    ("trends_30d", "/api/dashboard/trends?days=30"),
    ("places", "/api/dashboard/places"),
    ("categories", "/api/dashboard/categories"),
    ("points", "/api/dashboard/points?limit=800"),
    ("density", "/api/dashboard/density"),
    ("resources", "/api/dashboard/resources"),
    ("incident_free", "/api/dashboard/incident-free"),
    ("boundaries", "/api/dashboard/boundaries"),
)
SCOPES = (("province", "bench_admin"), ("city", "bench_city"), ("county", "bench_county"))


def _fill(url: str, rows: int) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    started = time.perf_counter()
    with session_scope(factory) as session:
        load_divisions(session, load_places())
        for name, role, place in (
            ("bench_admin", "admin", "330000"),
            ("bench_city", "commander", "330600"),
            ("bench_county", "commander", "330624"),
        ):
            create_user(
                session,
                data=UserCreate(username=name, password=PASSWORD, role=role, place_code=place),
            )
        places = session.execute(
            select(
                Place.code,
                Place.city_code,
                Place.county_code,
                Place.town_code,
                Place.lon,
                Place.lat,
            ).where(Place.level == "village")
        ).all()
        towns = {
            code: (lon, lat)
            for code, lon, lat in session.execute(
                select(Place.code, Place.lon, Place.lat).where(Place.level == "town")
            )
        }
        counties = list(session.scalars(select(Place.code).where(Place.level == "county")))
    rng = random.Random(2026)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        unit_rows = [
            {
                "code": f"{county}-B{n}",
                "name": f"{county} 单位 {n}",
                "type": "police_station",
                "place_code": county,
                "county_code": county,
                "active": True,
                "created_at": now,
            }
            for county in counties
            for n in range(3)
        ]
        conn.execute(insert(Unit), unit_rows)
        unit_ids = list(conn.execute(select(Unit.id, Unit.place_code)))
        conn.execute(
            insert(Resource),
            [
                {
                    "unit_id": unit_id,
                    "kind": rng.choice(("patrol_car", "officer", "drone", "volunteer")),
                    "name": f"力量{unit_id}-{n}",
                    "status": rng.choice(("available", "available", "dispatched", "on_scene")),
                    "capabilities": [],
                    "lon": 120.0 + rng.random(),
                    "lat": 29.0 + rng.random(),
                    "updated_at": now,
                }
                for unit_id, _seat in unit_ids
                for n in range(4)
            ],
        )
    codes = [c for c in call_types() if c[:2] in ("10", "20", "30", "50", "60")]
    fine: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    index = {name: i for i, name in enumerate(MEASURES)}
    incident_table = Incident.__table__
    serial = 0
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for _ in range(rows):
            serial += 1
            village, city, county, town, lon, lat = rng.choice(places)
            if lon is None:
                lon, lat = towns.get(town or "", (None, None))
            age = rng.random() ** 1.3 * 365  # more recent days are a little busier
            reported = now - dt.timedelta(days=age)
            code = rng.choice(codes)
            police = not code.startswith("60")
            recent = age < 1.5
            state = (
                rng.choice(("triaged", "assigned", "signed_for", "on_scene", "handled"))
                if recent
                else rng.choice(("called_back", "called_back", "called_back", "closed"))
            )
            satisfaction = rng.randint(3, 5) if state == "called_back" else None
            solved = rng.random() < 0.9 if state == "called_back" else None
            arrival = rng.randint(180, 1800) if state != "triaged" else None
            batch.append(
                {
                    "number": f"B{serial:012d}",
                    "channel": rng.choice(("110", "110", "12345", "grid", "app")),
                    "reported_at": reported,
                    "created_at": reported,
                    "description": "基准测试警情",
                    "place_code": village,
                    "city_code": city,
                    "county_code": county,
                    "town_code": town,
                    "village_code": village,
                    "lon": None if lon is None else lon + rng.uniform(-0.01, 0.01),
                    "lat": None if lat is None else lat + rng.uniform(-0.01, 0.01),
                    "state": state,
                    "initial_code": code,
                    "final_code": code,
                    "police": police,
                    "urgency": 3,
                    "satisfaction": satisfaction,
                    "solved": solved,
                    "return_count": 0,
                    "sign_for_due": reported + dt.timedelta(minutes=10) if recent else None,
                    "updated_at": reported,
                }
            )
            key = (
                reported.astimezone(SHANGHAI).date(),
                city or "",
                county or "",
                town or "",
                village,
                code[:2],
                batch[-1]["channel"],
                int(police),
            )
            m = fine[key]
            m[index["received"]] += 1
            m[index["diverted"]] += int(not police)
            m[index["closed"]] += int(state in ("closed", "called_back"))
            m[index["called_back"]] += int(state == "called_back")
            m[index["solved"]] += int(bool(solved))
            m[index["satisfaction_sum"]] += satisfaction or 0
            m[index["satisfaction_count"]] += int(satisfaction is not None)
            m[index["arrival_seconds_sum"]] += arrival or 0
            m[index["arrival_count"]] += int(arrival is not None)
            if len(batch) == CHUNK:
                conn.execute(insert(incident_table), batch)
                batch = []
        if batch:
            conn.execute(insert(incident_table), batch)
        for table, columns in GRAINS:
            positions = [FINE_KEY.index(c) for c in columns]
            grain: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(MEASURES))
            for key, values in fine.items():
                total = grain[tuple(key[p] for p in positions)]
                for i, v in enumerate(values):
                    total[i] += v
            rollup_rows = [
                dict(zip(columns, key, strict=True)) | dict(zip(MEASURES, values, strict=True))
                for key, values in grain.items()
            ]
            for start in range(0, len(rollup_rows), CHUNK):
                conn.execute(insert(table), rollup_rows[start : start + CHUNK])
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"fill_seconds": round(time.perf_counter() - started, 1), "rollup_rows": len(fine)}


def _time(client: TestClient, path: str, headers: dict[str, str]) -> list[float]:
    for _ in range(3):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return timings


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pingan-bench-dashboard-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'dashboard.db'}"
        figures: dict[str, Any] = {"incidents": ROWS, "repeat": REPEAT, **_fill(url, ROWS)}
        settings = Settings(
            data_dir=Path(tmp), database_url=url, secret_key="bench-dashboard-secret-0123456789"
        )
        panels: dict[str, dict[str, dict[str, float]]] = {}
        worst = 0.0
        with TestClient(create_app(settings)) as client:
            for scope, username in SCOPES:
                token = client.post(
                    "/api/auth/token", data={"username": username, "password": PASSWORD}
                ).json()["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                for name, path in PANELS:
                    timings = sorted(_time(client, path, headers))
                    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
                    panels.setdefault(name, {})[scope] = {
                        "p50_ms": round(statistics.median(timings), 1),
                        "p95_ms": round(p95, 1),
                    }
                    worst = max(worst, p95)
        figures["panels"] = panels
        figures["worst_p95_ms"] = round(worst, 1)
        figures["target_p95_ms"] = 100
        return figures
