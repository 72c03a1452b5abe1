"""Bulk intake end to end (parse, triage, route, store, history, rollups) against a plain insert.

A file of incidents in Pingan's own JSONL format is imported with ``import_incidents`` into a
database that holds the real divisions and the demo units of 绍兴市 (so routing finds units);
in the same run the same rows are written by a plain bulk insert into the same kind of database.
The import runs twice, into fresh databases: in one process, and with one worker process
triaging the next batch ahead (``--workers 1``, the default on a two-core machine).
The ratio is how close Pingan comes to the storage limit. The time for a year of Zhejiang
(~12 million incidents) is projected from the measured rate. SQLite always; PostgreSQL when
``PINGAN_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from bench.durability import _pg_url
from pingan.area.actions import load_divisions
from pingan.area.models import Place
from pingan.db.base import utcnow
from pingan.db.bulk import insert_many
from pingan.db.engine import make_engine
from pingan.db.migrate import upgrade
from pingan.db.session import session_scope
from pingan.demo.build import build_demo
from pingan.geo.places_file import load_places
from pingan.incident.models import Incident
from pingan.intake.bulk import import_incidents
from pingan.intake.mapping import SourceMapping
from pingan.user.scope import SYSTEM

ROWS = int(os.environ.get("PINGAN_BENCH_INTAKE_ROWS", "20000"))
BATCH = 1000
YEAR = 12_000_000
ROADS = ("人民路", "解放路", "中兴大道", "环城西路", "新建路", "工业园区纬三路", "江滨路")
ESTATES = ("金色家园", "阳光花苑", "锦绣江南", "鉴湖景园", "世纪新城", "府山小区")
CORPUS = Path(__file__).resolve().parents[1] / "src" / "pingan" / "data" / "triage" / "corpus"


def _prepared(url: str) -> sessionmaker[Session]:
    upgrade(url)
    factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
    with session_scope(factory) as session:
        load_divisions(session, load_places())
        build_demo(session, city_code="330600")
    return factory


def _rows(factory: sessionmaker[Session], count: int) -> list[dict[str, Any]]:
    """Realistic rows: corpus texts, addresses naming a 绍兴 town or village."""
    rng = random.Random(7)
    texts = [
        json.loads(line)["text"]
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    with factory() as session:
        towns = session.execute(
            select(Place.name, Place.parent_code).where(
                Place.city_code == "330600", Place.level == "town"
            )
        ).all()
        counties = dict(
            (c, n)
            for c, n in session.execute(
                select(Place.code, Place.name).where(Place.level == "county")
            )
        )
    rows = []
    for n in range(count):
        town, county = rng.choice(towns)
        rows.append(
            {
                "external_id": f"BENCH-{n:08d}",
                "channel": rng.choice(["110", "110", "110", "12345", "grid"]),
                "reported_at": f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)} "
                f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00",
                "text": rng.choice(texts)[:400],
                # Addresses as varied as real ones: a road and number, a community, or the town.
                "address": counties.get(county, "")
                + town
                + rng.choice(
                    [
                        "",
                        f"{rng.choice(ROADS)}{rng.randint(1, 400)}号",
                        f"{rng.choice(ESTATES)}{rng.randint(1, 40)}幢{rng.randint(1, 6)}单元",
                    ]
                ),
            }
        )
    return rows


def _measure(url: str, url_ahead: str, folder: Path) -> dict[str, Any]:
    full = _prepared(url)
    rows = _rows(full, ROWS)
    source = folder / "incidents.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    started = time.perf_counter()
    summary = import_incidents(
        full, source, actor=SYSTEM, mapping=SourceMapping(), batch_size=BATCH, workers=0
    )
    one_process_seconds = time.perf_counter() - started
    # The same file again into a second database, with one process triaging ahead (the default
    # on a machine with two cores).
    ahead = _prepared(url_ahead)
    started = time.perf_counter()
    ahead_summary = import_incidents(
        ahead, source, actor=SYSTEM, mapping=SourceMapping(), batch_size=BATCH, workers=1
    )
    full_seconds = time.perf_counter() - started

    now = utcnow()
    plain_rows = [
        {
            "number": f"P{n:013d}",
            "channel": r["channel"],
            "reported_at": now,
            "created_at": now,
            "description": r["text"],
            "address": r["address"],
            "state": "received",
            "return_count": 0,
            "updated_at": now,
            "external_id": r["external_id"] + "-plain",
        }
        for n, r in enumerate(rows)
    ]
    table = cast(Table, Incident.__table__)
    started = time.perf_counter()
    for start in range(0, len(plain_rows), BATCH):
        with session_scope(full) as session:  # the same driver-level path Pingan writes with
            insert_many(session.connection(), table, plain_rows[start : start + BATCH])
    plain_seconds = time.perf_counter() - started
    one_rate = summary.imported / one_process_seconds
    full_rate = ahead_summary.imported / full_seconds
    plain_rate = len(plain_rows) / plain_seconds
    return {
        "rows": ROWS,
        "imported": summary.imported,
        "rejected": len(summary.rejected),
        "end_to_end_per_s": round(full_rate),
        "end_to_end_one_process_per_s": round(one_rate),
        "plain_insert_per_s": round(plain_rate),
        "ratio": round(full_rate / plain_rate, 3),
        "ratio_one_process": round(one_rate / plain_rate, 3),
        "year_of_zhejiang_hours": round(YEAR / full_rate / 3600, 2),
        "targets": {"end_to_end_per_s": 3000, "ratio": 0.2},
    }


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = _measure(
            f"sqlite:///{tmp}/intake.db", f"sqlite:///{tmp}/intake_ahead.db", Path(tmp)
        )
        pg, pg_ahead = _pg_url("pingan_bench_intake"), _pg_url("pingan_bench_intake_ahead")
        if pg and pg_ahead:
            results["postgresql"] = _measure(pg, pg_ahead, Path(tmp))
    return results
